import { type Clock } from "../clock";
import type { Principal } from "./principal";
import { BadUserInputError, ForbiddenError, UnauthenticatedError } from "../errors/app-errors";
import type { PasswordHasher } from "./password-hasher";
import { assertAcceptablePassword, PASSWORD_MAX_LENGTH } from "../users/user-rules";
import type { User } from "../users/user.entity";
import type { NewUser, UserService } from "../users/user.service";
import type { Session } from "./session.entity";
import type { SessionService } from "./session.service";
import type { TokenService } from "./token.service";

export interface ClientInfo {
  readonly userAgent: string | null;
}

export interface AuthResult {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
  readonly refreshExpiresIn: number;
  readonly user: User;
}

const INVALID_CREDENTIALS = "Invalid email or password.";
const INVALID_REFRESH_TOKEN = "The refresh token is invalid or has expired.";

/** Sign-up, sign-in, refresh, sign-out and password changes: everything that moves tokens. */
export class AuthService {
  constructor(
    private readonly users: UserService,
    private readonly sessions: SessionService,
    private readonly tokens: TokenService,
    private readonly hasher: PasswordHasher,
    private readonly clock: Clock,
  ) {}

  async register(input: Omit<NewUser, "roles">, client: ClientInfo): Promise<AuthResult> {
    const user = await this.users.create({ ...input, roles: undefined });
    const { session, refreshToken } = await this.sessions.open(user.id, client.userAgent);
    return this.issue(user, session, refreshToken);
  }

  async login(email: string, password: string, client: ClientInfo): Promise<AuthResult> {
    if (password.length > PASSWORD_MAX_LENGTH * 4) {
      throw new BadUserInputError("The password is too long.", "password");
    }
    const user = await this.users.authenticate(email, password);
    if (!user) throw new UnauthenticatedError(INVALID_CREDENTIALS);
    const { session, refreshToken } = await this.sessions.open(user.id, client.userAgent);
    return this.issue(user, session, refreshToken);
  }

  /** Rotates the refresh token and issues a new access token with roles read afresh. */
  async refresh(refreshToken: string | undefined, client: ClientInfo): Promise<AuthResult> {
    if (!refreshToken) throw new UnauthenticatedError(INVALID_REFRESH_TOKEN);
    const rotation = await this.sessions.rotate(refreshToken, client.userAgent);
    if (!rotation.ok) throw new UnauthenticatedError(INVALID_REFRESH_TOKEN);
    const user = await this.users.findById(rotation.session.userId);
    if (!user) throw new UnauthenticatedError(INVALID_REFRESH_TOKEN);
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
    if (everywhere) await this.sessions.revokeAllOf(userId, "logout-everywhere");
    else await this.sessions.revoke([sessionId], "logout");
    return true;
  }

  /** Changes the password and ends every other session of the user; this one stays signed in. */
  async changePassword(
    principal: Principal,
    currentPassword: string,
    newPassword: string,
  ): Promise<boolean> {
    const user = await this.users.findById(principal.userId);
    if (!user) throw new UnauthenticatedError();
    if (
      currentPassword.length > PASSWORD_MAX_LENGTH * 4 ||
      !(await this.hasher.verify(user.passwordHash, currentPassword))
    ) {
      throw new BadUserInputError("The current password is not right.", "currentPassword");
    }
    assertAcceptablePassword(newPassword, "newPassword");
    await this.users.setPassword(user, newPassword);
    await this.sessions.revokeAllOf(user.id, "password-changed", principal.sessionId);
    return true;
  }

  private issue(user: User, session: Session, refreshToken: string): AuthResult {
    const access = this.tokens.issueAccessToken({ userId: user.id, roles: user.roles }, session.id);
    return {
      accessToken: access.token,
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
