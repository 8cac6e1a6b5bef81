import { BadUserInputError, UnauthenticatedError } from "../errors/app-errors";
import { PASSWORD_MAX_LENGTH } from "../users/user-rules";
import type { User } from "../users/user.entity";
import type { NewUser, UserService } from "../users/user.service";
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

/** Sign-up and sign-in: each opens a session and issues its first pair of tokens. */
export class AuthService {
  constructor(
    private readonly users: UserService,
    private readonly sessions: SessionService,
    private readonly tokens: TokenService,
    private readonly refreshTokenTtlSeconds: number,
  ) {}

  async register(input: Omit<NewUser, "roles">, client: ClientInfo): Promise<AuthResult> {
    const user = await this.users.create({ ...input, roles: undefined });
    return this.startSession(user, client);
  }

  async login(email: string, password: string, client: ClientInfo): Promise<AuthResult> {
    if (password.length > PASSWORD_MAX_LENGTH * 4) {
      throw new BadUserInputError("The password is too long.", "password");
    }
    const user = await this.users.authenticate(email, password);
    if (!user) throw new UnauthenticatedError(INVALID_CREDENTIALS);
    return this.startSession(user, client);
  }

  private async startSession(user: User, client: ClientInfo): Promise<AuthResult> {
    const { session, refreshToken } = await this.sessions.open(user.id, client.userAgent);
    const access = this.tokens.issueAccessToken({ userId: user.id, roles: user.roles }, session.id);
    return {
      accessToken: access.token,
      refreshToken,
      expiresIn: access.expiresIn,
      refreshExpiresIn: this.refreshTokenTtlSeconds,
      user,
    };
  }
}
