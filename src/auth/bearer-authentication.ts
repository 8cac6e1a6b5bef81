import type { Principal } from "../core/principal";
import { InvalidTokenError, ServiceUnavailableError, type TokenCheck } from "../errors/app-errors";
import type { Logger } from "../logging/logger";
import type { RevocationView } from "../revocation/revocation-view";
import type { UserDirectory } from "../users/user-directory";
import type { SessionDirectory, SessionStanding } from "./session-directory";
import type { TokenService } from "./token.service";

/** RFC 6750 §2.1 b64token; the scheme name is case-insensitive (RFC 7235 §2.1). */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** Where the sessions and users behind tokens are looked up, from memory. */
export interface Subjects {
  readonly sessions: Pick<SessionDirectory, "get">;
  readonly users: Pick<UserDirectory, "get">;
}

/** How many bearer tokens each check has refused since start: what the debug log says, counted. */
export class TokenRefusals {
  private readonly counts = new Map<TokenCheck, number>();

  record(check: TokenCheck): void {
    this.counts.set(check, (this.counts.get(check) ?? 0) + 1);
  }

  snapshot(): Partial<Record<TokenCheck, number>> {
    return Object.fromEntries(this.counts);
  }
}

/**
 * Authentication only: turns the Authorization header into a verified principal, its roles as
 * the revocation view leaves them. A present but unusable header fails the whole request with
 * 401 rather than quietly running it anonymously. Tokens are read from this header alone, never
 * from the query string or the body. The response never says which check failed; the debug log
 * and the counters do, for operators.
 */
export class BearerAuthentication {
  constructor(
    private readonly tokens: TokenService,
    private readonly revocations: RevocationView,
    private readonly subjects: Subjects,
    private readonly logger?: Logger,
    readonly refusals = new TokenRefusals(),
  ) {}

  async authenticate(authorization: string | undefined): Promise<Principal | null> {
    if (authorization === undefined) return null;
    try {
      const match = BEARER.exec(authorization);
      if (!match) throw new InvalidTokenError("authorization-scheme");
      // Verified first, so a forged token is refused without waiting and cannot make anyone wait.
      const verified = this.tokens.verifyAccessToken(match[1]);
      // The view is looked up only after the wait, so whatever the fresh read brought in counts.
      await this.revocations.awaitFreshView();
      const principal = this.revocations.check(verified);
      if (!principal) throw new InvalidTokenError("revoked");
      await this.assertSubjectIsThere(principal);
      return principal;
    } catch (error) {
      if (error instanceof InvalidTokenError) {
        this.refusals.record(error.check);
        this.logger?.debug({ check: error.check }, "bearer token refused");
      }
      throw error;
    }
  }

  /**
   * A principal verified earlier (a socket's, at connection_init) as it stands now: its roles as
   * the view leaves them, or null when its session is revoked or its session or user is gone.
   * Throws ServiceUnavailableError when that cannot be told (fail closed).
   */
  async recheck(principal: Principal): Promise<Principal | null> {
    const current = this.revocations.check(principal);
    if (!current) return null;
    try {
      await this.assertSubjectIsThere(current);
    } catch (error) {
      if (error instanceof InvalidTokenError) return null;
      throw error;
    }
    return current;
  }

  /**
   * A token whose session is gone, is another user's, or whose user is gone counts as revoked
   * (the contract). Both come from memory, at most a few seconds old; a database that cannot
   * be asked refuses the request (503) rather than admitting it.
   */
  private async assertSubjectIsThere(principal: Principal): Promise<void> {
    let session: SessionStanding | null;
    let userExists: boolean;
    try {
      [session, userExists] = await Promise.all([
        this.subjects.sessions.get(principal.sessionId),
        this.subjects.users.get(principal.userId).then((user) => user !== null),
      ]);
    } catch (error) {
      this.logger?.error({ err: error }, "sessions or users could not be read; refusing");
      throw new ServiceUnavailableError();
    }
    if (!session || session.revoked || session.userId !== principal.userId) {
      throw new InvalidTokenError("session");
    }
    if (!userExists) throw new InvalidTokenError("subject");
  }
}
