import { randomUUID } from "node:crypto";
import { type EntityManager, In, type Repository } from "typeorm";
import type { AuditLog } from "../audit/audit-log";
import type { RequestOrigin } from "../core/request-origin";
import type { PasswordHasher } from "../auth/password-hasher";
import type { Principal } from "../core/principal";
import type { Clock } from "../core/clock";
import { isUniqueViolation } from "../db/db-errors";
import { BadUserInputError, NotFoundError } from "../errors/app-errors";
import { parseId } from "../core/ids";
import { normalizeRoles, Role } from "../core/role";
import type { User } from "./user.entity";
import {
  assertAcceptablePassword,
  canonicalEmail,
  normalizeDisplayName,
  normalizeEmail,
} from "./user-rules";

export interface NewUser {
  email: string;
  password: string;
  displayName?: string | null;
  roles?: readonly Role[];
}

/** Told of role changes, so outstanding access tokens stop carrying removed roles. */
export interface RoleChangeLog {
  writeRoles(manager: EntityManager, userId: string, roles: readonly Role[]): Promise<void>;
  applyLocally(change: { roles: { userId: string; roles: readonly Role[] } }): void;
}

export class UserService {
  constructor(
    private readonly users: Repository<User>,
    private readonly hasher: PasswordHasher,
    private readonly clock: Clock,
    private readonly roleChanges: RoleChangeLog,
    private readonly audit: AuditLog,
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
      await this.users.insert(user);
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
      normalized.length <= 254 ? await this.users.findOneBy({ email: normalized }) : null;
    const valid = await this.hasher.verify(user?.passwordHash ?? null, password);
    return valid ? user : null;
  }

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  async findByIds(ids: readonly string[]): Promise<User[]> {
    return ids.length === 0 ? [] : this.users.findBy({ id: In([...ids]) });
  }

  list(): Promise<User[]> {
    return this.users.find({ order: { createdAt: "ASC", id: "ASC" } });
  }

  /** An administrator replaces the roles of a user (the last ADMIN keeps the role). */
  async setRoles(
    actor: Principal,
    userId: string,
    roles: readonly Role[],
    meta: RequestOrigin,
  ): Promise<User> {
    const id = parseId(userId, "userId");
    let oldRoles: readonly Role[] = [];
    const wanted = normalizeRoles(roles);
    if (wanted.length === 0)
      throw new BadUserInputError("A user needs at least one role.", "roles");
    const updated = await this.users.manager.transaction(async (manager) => {
      const repository = manager.getRepository<User>(this.users.target);
      const user = await repository.findOneBy({ id });
      if (!user) throw new NotFoundError("No such user.");
      if (user.roles.includes(Role.ADMIN) && !wanted.includes(Role.ADMIN)) {
        const admins = await repository
          .createQueryBuilder("user")
          .where("user.roles LIKE :pattern", { pattern: "%ADMIN%" })
          .getCount();
        if (admins <= 1) {
          throw new BadUserInputError("The last ADMIN cannot lose the ADMIN role.", "roles");
        }
      }
      oldRoles = user.roles;
      user.roles = wanted;
      user.updatedAt = this.clock.now();
      await repository.save(user);
      await this.roleChanges.writeRoles(manager, user.id, wanted);
      return user;
    });
    this.roleChanges.applyLocally({ roles: { userId: updated.id, roles: updated.roles } });
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
    await this.users.update(
      { id: user.id },
      { passwordHash: user.passwordHash, updatedAt: user.updatedAt },
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
    const oldRoles = existing.roles;
    assertAcceptablePassword(input.password);
    const roles = normalizeRoles(input.roles);
    if (roles.length === 0) throw new BadUserInputError("A user needs at least one role.", "roles");
    existing.roles = roles;
    existing.passwordHash = await this.hasher.hash(input.password);
    if (input.displayName !== undefined)
      existing.displayName = normalizeDisplayName(input.displayName);
    existing.updatedAt = this.clock.now();
    await this.users.manager.transaction(async (manager) => {
      await manager.getRepository<User>(this.users.target).save(existing);
      await this.roleChanges.writeRoles(manager, existing.id, roles);
    });
    this.audit.record("user.set_from_cli", meta, {
      userId: existing.id,
      created: false,
      oldRoles,
      newRoles: roles,
    });
    return { user: existing, created: false };
  }
}
