import { type AuditLog, emailFingerprint } from "../audit/audit-log";
import type { RequestOrigin } from "../core/request-origin";
import { type Clock } from "../core/clock";
import type { Principal } from "../core/principal";
import { BadUserInputError, ForbiddenError, UnauthenticatedError } from "../errors/app-errors";
import { parseScope } from "../authorization/permissions";
import { assertAcceptablePassword, PASSWORD_INPUT_MAX_UNITS } from "../users/user-rules";
import type { User } from "../users/user.entity";
import type { NewUser, UserService } from "../users/user.service";
import type { Session } from "./session.entity";
import type { SessionService } from "./session.service";
import type { TokenService } from "./token.service";

export interface AuthResult {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
  readonly refreshExpiresIn: number;
  readonly user: User;
  /** The caller the new access token speaks for. */
  readonly principal: Principal;
}

const INVALID_CREDENTIALS = "Invalid email or password.";
const INVALID_REFRESH_TOKEN = "The refresh token is invalid or has expired.";

/** Sign-up, sign-in, refresh, sign-out and password changes: everything that moves tokens. */
export class AuthService {
  constructor(
    private readonly users: UserService,
    private readonly sessions: SessionService,
    private readonly tokens: TokenService,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
  ) {}

  async register(input: Omit<NewUser, "roles">, client: RequestOrigin): Promise<AuthResult> {
    const user = await this.users.create({ ...input, roles: undefined });
    const { session, refreshToken } = await this.sessions.open(user.id, client.userAgent);
    this.audit.record("register.succeeded", client, { userId: user.id, sessionId: session.id });
    return this.issue(user, session, refreshToken);
  }

  async login(
    email: string,
    password: string,
    client: RequestOrigin,
    requestedScope?: string | null,
  ): Promise<AuthResult> {
    // The log says which email was tried only as a fingerprint, and not whether it exists.
    const failed = (reason: string) =>
      this.audit.record("login.failed", client, {
        emailFingerprint: emailFingerprint(email),
        reason,
      });
    if (password.length > PASSWORD_INPUT_MAX_UNITS) {
      failed("password-too-long");
      throw new BadUserInputError("The password is too long.", "password");
    }
    // Checked before the password, so a typo in the scope costs no hashing and opens no session.
    const scope = readScope(requestedScope);
    const user = await this.users.authenticate(email, password);
    if (!user) {
      failed("invalid-credentials");
      throw new UnauthenticatedError(INVALID_CREDENTIALS);
    }
    const { session, refreshToken } = await this.sessions.open(user.id, client.userAgent, scope);
    this.audit.record("login.succeeded", client, { userId: user.id, sessionId: session.id });
    return this.issue(user, session, refreshToken);
  }

  /** Rotates the refresh token and issues a new access token with roles read afresh. */
  async refresh(refreshToken: string | undefined, client: RequestOrigin): Promise<AuthResult> {
    if (!refreshToken) {
      this.audit.record("refresh.failed", client, { reason: "missing" });
      throw new UnauthenticatedError(INVALID_REFRESH_TOKEN);
    }
    const rotation = await this.sessions.rotate(refreshToken, client.userAgent);
    if (!rotation.ok) {
      const ids = rotation.session
        ? { userId: rotation.session.userId, sessionId: rotation.session.id }
        : {};
      if (rotation.reason === "reuse-detected") {
        this.audit.record("refresh.reuse_detected", client, { ...ids, reason: "session-revoked" });
      } else {
        this.audit.record("refresh.failed", client, { ...ids, reason: rotation.reason });
      }
      throw new UnauthenticatedError(INVALID_REFRESH_TOKEN);
    }
    const user = await this.users.findById(rotation.session.userId);
    if (!user) {
      this.audit.record("refresh.failed", client, { reason: "user-gone" });
      throw new UnauthenticatedError(INVALID_REFRESH_TOKEN);
    }
    this.audit.record("refresh.succeeded", client, {
      userId: user.id,
      sessionId: rotation.session.id,
    });
    return this.issue(user, rotation.session, rotation.refreshToken);
  }

  /**
   * Ends the session of the bearer token, or of the refresh token when there is no bearer token
   * (a client whose access token expired can still sign out). `everywhere` ends all the user's.
   */
  async logout(
    principal: Principal | null,
    refreshToken: string | undefined,
    everywhere: boolean,
    meta: RequestOrigin,
  ): Promise<boolean> {
    let userId = principal?.userId;
    let sessionId = principal?.sessionId;
    if (refreshToken) {
      const session: Session | null = await this.sessions.findByRefreshToken(refreshToken);
      if (principal && session && session.userId !== principal.userId) throw new ForbiddenError();
      if (!principal) {
        if (!session || session.revokedAt) throw new UnauthenticatedError(INVALID_REFRESH_TOKEN);
        userId = session.userId;
        sessionId = session.id;
      }
    }
    if (!userId || !sessionId) throw new UnauthenticatedError();
    const count = everywhere
      ? await this.sessions.revokeAllOf(userId, "logout-everywhere")
      : await this.sessions.revoke([sessionId], "logout");
    this.audit.record(everywhere ? "logout.everywhere" : "logout", meta, {
      userId,
      sessionId,
      count,
    });
    return true;
  }

  /** Changes the password and ends every other session of the user; this one stays signed in. */
  async changePassword(
    principal: Principal,
    currentPassword: string,
    newPassword: string,
    meta: RequestOrigin,
  ): Promise<boolean> {
    const user = await this.users.findById(principal.userId);
    if (!user) throw new UnauthenticatedError();
    const who = { userId: user.id, sessionId: principal.sessionId };
    if (!(await this.users.checkPassword(user, currentPassword))) {
      this.audit.record("password.change_failed", meta, {
        ...who,
        reason: "wrong-current-password",
      });
      throw new BadUserInputError("The current password is not right.", "currentPassword");
    }
    assertAcceptablePassword(newPassword, "newPassword");
    await this.users.setPassword(user, newPassword);
    const count = await this.sessions.revokeAllOf(user.id, "password-changed", principal.sessionId);
    this.audit.record("password.changed", meta, { ...who, count });
    return true;
  }

  private issue(user: User, session: Session, refreshToken: string): AuthResult {
    const access = this.tokens.issueAccessToken(
      {
        userId: user.id,
        roles: user.roles,
        scope: session.scope ? session.scope.split(" ") : null,
      },
      session.id,
      session.expiresAt,
    );
    return {
      accessToken: access.token,
      principal: access.principal,
      refreshToken,
      expiresIn: access.expiresIn,
      refreshExpiresIn: Math.max(
        0,
        Math.round((session.expiresAt.getTime() - this.clock.now().getTime()) / 1000),
      ),
      user,
    };
  }
}

/** A requested scope as permission names, or null for none; an unknown name is BAD_USER_INPUT. */
function readScope(text: string | null | undefined): string[] | null {
  if (text === undefined || text === null) return null;
  if (text.length > 1024) throw new BadUserInputError("The scope is too long.", "scope");
  const parsed = parseScope(text);
  if (!parsed.ok) {
    throw new BadUserInputError(
      `Unknown permission in scope: ${JSON.stringify(parsed.unknown.slice(0, 64))}.`,
      "scope",
    );
  }
  return parsed.scope;
}
