import { randomUUID } from "node:crypto";
import { type EntityManager, type Repository } from "typeorm";
import type { AuditLog } from "../audit/audit-log";
import type { RequestOrigin } from "../core/request-origin";
import type { PasswordHasher } from "./password-hasher";
import type { Principal } from "../core/principal";
import type { Clock } from "../core/clock";
import { isUniqueViolation } from "../db/db-errors";
import { retryOnConflict } from "../db/retry";
import { BadUserInputError, NotFoundError } from "../errors/app-errors";
import { parseId } from "../core/ids";
import { normalizeRoles, Role } from "../core/role";
import { pageOf } from "../pagination/keyset";
import { type PageArguments, type PageLimits, toPage } from "../pagination/page";
import type { RevocationLog } from "../revocation/revocation-log";
import type { User } from "./user.entity";
import { canonicalEmail } from "../core/email";
import {
  assertAcceptablePassword,
  EMAIL_MAX_LENGTH,
  normalizeDisplayName,
  normalizeEmail,
  PASSWORD_INPUT_MAX_UNITS,
} from "./user-rules";

export interface NewUser {
  email: string;
  password: string;
  displayName?: string | null;
  roles?: readonly Role[];
}

export class UserService {
  constructor(
    private readonly users: Repository<User>,
    private readonly hasher: PasswordHasher,
    private readonly clock: Clock,
    private readonly roleChanges: RevocationLog,
    private readonly audit: AuditLog,
    private readonly pageLimits: PageLimits,
  ) {}

  /** Creates an account. A taken email gets the same error as any other refusal to register. */
  async create(input: NewUser): Promise<User> {
    const email = normalizeEmail(input.email);
    assertAcceptablePassword(input.password);
    const displayName = normalizeDisplayName(input.displayName);
    const now = this.clock.now();
    const user = this.users.create({
      id: randomUUID(),
      email,
      displayName,
      roles: normalizeRoles(input.roles ?? [Role.USER]),
      passwordHash: await this.hasher.hash(input.password),
      createdAt: now,
      updatedAt: now,
    });
    try {
      // On Galera a taken email can first show as a conflict with the other node's insert; run
      // again, it shows as the unique violation it is.
      await retryOnConflict(() => this.users.insert(user));
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new BadUserInputError("This email and password cannot be used to register.", "email");
      }
      throw error;
    }
    return user;
  }

  /**
   * Checks credentials. Unknown emails cost one argon2 verification too, and every failure is
   * the same `null`, so neither timing nor answer tells which accounts exist.
   */
  async authenticate(email: string, password: string): Promise<User | null> {
    const normalized = canonicalEmail(email);
    const user =
      normalized.length <= EMAIL_MAX_LENGTH
        ? await this.users.findOneBy({ email: normalized })
        : null;
    const valid = await this.hasher.verify(user?.passwordHash ?? null, password);
    return valid ? user : null;
  }

  /** Whether the password is the user's; input no acceptable password could be is never hashed. */
  async checkPassword(user: User, password: string): Promise<boolean> {
    if (password.length > PASSWORD_INPUT_MAX_UNITS) return false;
    return this.hasher.verify(user.passwordHash, password);
  }

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  /** One page of every user, oldest account first. */
  async list(page: PageArguments = {}): Promise<User[]> {
    const checked = toPage(page, this.pageLimits);
    if (checked.size === 0) return [];
    return pageOf(this.users.createQueryBuilder("user"), "user", checked).getMany();
  }

  /** An administrator replaces the roles of a user (the last ADMIN keeps the role). */
  async setRoles(
    actor: Principal,
    userId: string,
    roles: readonly Role[],
    meta: RequestOrigin,
  ): Promise<User> {
    const id = parseId(userId, "userId");
    const wanted = wantedRoles(roles);
    // Setting roles to a given list is safe to repeat; the last-ADMIN check runs again with it.
    const { user: updated, oldRoles } = await retryOnConflict(() =>
      this.users.manager.transaction((manager) => this.replaceRoles(manager, id, wanted)),
    );
    this.roleChanges.committed({ roles: { userId: updated.id, roles: updated.roles } });
    this.audit.record("roles.changed", meta, {
      actorId: actor.userId,
      sessionId: actor.sessionId,
      userId: updated.id,
      oldRoles,
      newRoles: updated.roles,
    });
    return updated;
  }

  async setPassword(user: User, password: string): Promise<void> {
    user.passwordHash = await this.hasher.hash(password);
    user.updatedAt = this.clock.now();
    await retryOnConflict(() =>
      this.users.update(
        { id: user.id },
        { passwordHash: user.passwordHash, updatedAt: user.updatedAt },
      ),
    );
  }

  /** `npm run user:add`: creates the user, or sets the password and roles of an existing one. */
  async upsert(
    input: NewUser & { roles: readonly Role[] },
    meta: RequestOrigin,
  ): Promise<{ user: User; created: boolean }> {
    const email = normalizeEmail(input.email);
    const existing = await this.users.findOneBy({ email });
    if (!existing) {
      const user = await this.create(input);
      this.audit.record("user.set_from_cli", meta, {
        userId: user.id,
        created: true,
        newRoles: user.roles,
      });
      return { user, created: true };
    }
    assertAcceptablePassword(input.password);
    const roles = wantedRoles(input.roles);
    const changes = {
      passwordHash: await this.hasher.hash(input.password),
      ...(input.displayName !== undefined
        ? { displayName: normalizeDisplayName(input.displayName) }
        : {}),
    };
    const { user, oldRoles } = await retryOnConflict(() =>
      this.users.manager.transaction((manager) =>
        this.replaceRoles(manager, existing.id, roles, changes),
      ),
    );
    this.roleChanges.committed({ roles: { userId: user.id, roles } });
    this.audit.record("user.set_from_cli", meta, {
      userId: user.id,
      created: false,
      oldRoles,
      newRoles: roles,
    });
    return { user, created: false };
  }

  /**
   * Gives the user new roles (and other changes) and logs the roles for the revocation view, in
   * the caller's transaction, reading the row afresh so that a retried transaction judges the
   * row as it now is; the last ADMIN keeps the role, however the change was asked for.
   */
  private async replaceRoles(
    manager: EntityManager,
    userId: string,
    roles: readonly Role[],
    changes: Partial<Pick<User, "passwordHash" | "displayName">> = {},
  ): Promise<{ user: User; oldRoles: readonly Role[] }> {
    const repository = manager.getRepository<User>(this.users.target);
    const user = await repository.findOneBy({ id: userId });
    if (!user) throw new NotFoundError("No such user.");
    const oldRoles = user.roles;
    if (oldRoles.includes(Role.ADMIN) && !roles.includes(Role.ADMIN)) {
      const admins = await repository
        .createQueryBuilder("user")
        .where("user.roles LIKE :pattern", { pattern: "%ADMIN%" })
        .getCount();
      if (admins <= 1) {
        throw new BadUserInputError("The last ADMIN cannot lose the ADMIN role.", "roles");
      }
    }
    Object.assign(user, changes, { roles: [...roles], updatedAt: this.clock.now() });
    await repository.save(user);
    await this.roleChanges.recordRoles(manager, user.id, roles);
    return { user, oldRoles };
  }
}

function wantedRoles(roles: readonly Role[]): Role[] {
  const wanted = normalizeRoles(roles);
  if (wanted.length === 0) throw new BadUserInputError("A user needs at least one role.", "roles");
  return wanted;
}
