import { randomUUID } from "node:crypto";
import { In, type Repository } from "typeorm";
import type { Principal } from "../core/principal";
import type { Clock } from "../core/clock";
import { BadUserInputError, ForbiddenError, NotFoundError } from "../errors/app-errors";
import { parseId } from "../core/ids";
import type { Task } from "./task.entity";
import { taskPolicy } from "./task.policy";

export interface TaskChanges {
  title?: string | null;
  done?: boolean | null;
}

const TITLE_MAX_LENGTH = 200;

function normalizeTitle(title: string): string {
  const trimmed = title.trim();
  if (trimmed.length === 0) throw new BadUserInputError("The title must not be empty.", "title");
  if (trimmed.length > TITLE_MAX_LENGTH) {
    throw new BadUserInputError(
      `The title must be at most ${TITLE_MAX_LENGTH} characters.`,
      "title",
    );
  }
  return trimmed;
}

export class TaskService {
  constructor(
    private readonly tasks: Repository<Task>,
    private readonly clock: Clock,
  ) {}

  listOwn(principal: Principal): Promise<Task[]> {
    return this.tasks.find({
      where: { ownerId: principal.userId },
      order: { createdAt: "ASC", id: "ASC" },
    });
  }

  listAll(): Promise<Task[]> {
    return this.tasks.find({ order: { createdAt: "ASC", id: "ASC" } });
  }

  /** Tasks of several owners at once, for the per-request loader behind `User.tasks`. */
  async listByOwners(ownerIds: readonly string[]): Promise<Task[]> {
    if (ownerIds.length === 0) return [];
    return this.tasks.find({
      where: { ownerId: In([...ownerIds]) },
      order: { createdAt: "ASC", id: "ASC" },
    });
  }

  async get(principal: Principal, id: string): Promise<Task | null> {
    const task = await this.tasks.findOneBy({ id: parseId(id) });
    if (!task) return null;
    if (!taskPolicy.canRead(principal, task)) throw new ForbiddenError();
    return task;
  }

  async create(principal: Principal, input: { title: string }): Promise<Task> {
    const now = this.clock.now();
    const task = this.tasks.create({
      id: randomUUID(),
      title: normalizeTitle(input.title),
      done: false,
      ownerId: principal.userId,
      createdAt: now,
      updatedAt: now,
    });
    await this.tasks.insert(task);
    return task;
  }

  async update(principal: Principal, id: string, changes: TaskChanges): Promise<Task> {
    const task = await this.require(id);
    if (!taskPolicy.canUpdate(principal, task)) throw new ForbiddenError();
    if (changes.title !== undefined && changes.title !== null)
      task.title = normalizeTitle(changes.title);
    if (changes.done !== undefined && changes.done !== null) task.done = changes.done;
    task.updatedAt = this.clock.now();
    await this.tasks.update(
      { id: task.id },
      { title: task.title, done: task.done, updatedAt: task.updatedAt },
    );
    return task;
  }

  async delete(principal: Principal, id: string): Promise<boolean> {
    const task = await this.require(id);
    if (!taskPolicy.canDelete(principal, task)) throw new ForbiddenError();
    await this.tasks.delete({ id: task.id });
    return true;
  }

  private async require(id: string): Promise<Task> {
    const task = await this.tasks.findOneBy({ id: parseId(id) });
    if (!task) throw new NotFoundError("No such task.");
    return task;
  }
}
