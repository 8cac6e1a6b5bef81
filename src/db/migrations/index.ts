import { InitialSchema1763800000000 } from "./1763800000000-initial-schema";
import { TokenLifecycle1763900000000 } from "./1763900000000-token-lifecycle";
import { RateLimits1764000000000 } from "./1764000000000-rate-limits";
import { PagingIndexes1764100000000 } from "./1764100000000-paging-indexes";
import { RateLimitCounters1764200000000 } from "./1764200000000-rate-limit-counters";

/** Every migration, oldest first. Listed explicitly so compiled and test builds find the same set. */
export const migrations = [
  InitialSchema1763800000000,
  TokenLifecycle1763900000000,
  RateLimits1764000000000,
  PagingIndexes1764100000000,
  RateLimitCounters1764200000000,
];
