import { InitialSchema1763800000000 } from "./1763800000000-initial-schema";
import { TokenLifecycle1763900000000 } from "./1763900000000-token-lifecycle";
import { RateLimits1764000000000 } from "./1764000000000-rate-limits";
import { PagingIndexes1764100000000 } from "./1764100000000-paging-indexes";
import { RevocationSequence1764200000000 } from "./1764200000000-revocation-sequence";
import { RateLimitCounters1764300000000 } from "./1764300000000-rate-limit-counters";
import { SessionScope1764400000000 } from "./1764400000000-session-scope";

/** Every migration, oldest first. Listed explicitly so compiled and test builds find the same set. */
export const migrations = [
  InitialSchema1763800000000,
  TokenLifecycle1763900000000,
  RateLimits1764000000000,
  PagingIndexes1764100000000,
  RevocationSequence1764200000000,
  RateLimitCounters1764300000000,
  SessionScope1764400000000,
];
