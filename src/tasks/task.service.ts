import { randomUUID } from "node:crypto";
import type { Repository, SelectQueryBuilder } from "typeorm";
import type { Principal } from "../core/principal";
import type { Clock } from "../core/clock";
import { BadUserInputError, NotFoundError } from "../errors/app-errors";
import type { Authorizer } from "../authorization/auth.checker";
import { rules } from "../authorization/rules";
import type { RequestOrigin } from "../core/request-origin";
import { parseId } from "../core/ids";
import { afterPosition, pageOf } from "../pagination/keyset";
import { type PageArguments, type PageLimits, toPage, type Page } from "../pagination/page";
import type { Task } from "./task.entity";
import { relationToTask } from "./task.policy";
import { ALL_TASK_PROPERTIES, type TaskProperty } from "./task-properties";
import { noTaskChangeSink, type TaskChangeSink, TaskEventKind } from "./task-change";

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
    private readonly pageLimits: PageLimits,
    private readonly authorizer: Authorizer,
    /** Told of each committed change, for `taskEvents` subscribers. */
    private readonly changes: TaskChangeSink = noTaskChangeSink,
  ) {}

  /** Checks `first` and `after` once, so a list and its loader see the same page. */
  page(page: PageArguments): Page {
    return toPage(page, this.pageLimits);
  }

  /**
   * One page of the caller's tasks, oldest first, each with its id, its owner and `properties`
   * (the others are left out, for a selection that shows none of them: taskPropertiesFor).
   */
  async listOwn(
    principal: Principal,
    page: PageArguments = {},
    properties: readonly TaskProperty[] = ALL_TASK_PROPERTIES,
  ): Promise<Task[]> {
    const checked = this.page(page);
    if (checked.size === 0) return [];
    const query = this.selecting(properties).where("task.ownerId = :ownerId", {
      ownerId: principal.userId,
    });
    return pageOf(query, "task", checked).getMany();
  }

  /** One page of everyone's tasks, oldest first, with `properties` as for listOwn. */
  async listAll(
    page: PageArguments = {},
    properties: readonly TaskProperty[] = ALL_TASK_PROPERTIES,
  ): Promise<Task[]> {
    const checked = this.page(page);
    if (checked.size === 0) return [];
    return pageOf(this.selecting(properties), "task", checked).getMany();
  }

  private selecting(properties: readonly TaskProperty[]): SelectQueryBuilder<Task> {
    return this.tasks
      .createQueryBuilder("task")
      .select(["task.id", "task.ownerId", ...properties.map((property) => `task.${property}`)]);
  }

  /**
   * The same page of the tasks of several owners in one query, for the per-request loader behind
   * `User.tasks`: ROW_NUMBER() numbers each owner's tasks in keyset order (MySQL 8, MariaDB 10.2+
   * and SQLite 3.25+ have window functions), and only the first `size` of each are read.
   */
  async listByOwners(ownerIds: readonly string[], page: Page): Promise<Task[]> {
    if (ownerIds.length === 0 || page.size === 0) return [];
    const numbered = afterPosition(
      this.tasks
        .createQueryBuilder("numbered")
        .select("numbered.id", "id")
        .addSelect(
          "ROW_NUMBER() OVER (PARTITION BY numbered.ownerId ORDER BY numbered.createdAt, numbered.id)",
          "task_rank",
        )
        .where("numbered.ownerId IN (:...ownerIds)", { ownerIds: [...ownerIds] }),
      "numbered",
      page,
    );
    return this.tasks
      .createQueryBuilder("task")
      .innerJoin(`(${numbered.getQuery()})`, "ranked", "ranked.id = task.id")
      .where("ranked.task_rank <= :size", { size: page.size })
      .setParameters(numbered.getParameters())
      .orderBy("task.ownerId", "ASC")
      .addOrderBy("task.createdAt", "ASC")
      .addOrderBy("task.id", "ASC")
      .getMany();
  }

  async get(principal: Principal, id: string, origin: RequestOrigin): Promise<Task | null> {
    const task = await this.tasks.findOneBy({ id: parseId(id) });
    if (!task) return null;
    this.authorizer.require(rules.readTask, principal, relationToTask(principal, task), {
      at: "Query.task",
      origin,
    });
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
    this.changes.publish({
      kind: TaskEventKind.CREATED,
      taskId: task.id,
      ownerId: task.ownerId,
      task,
    });
    return task;
  }

  async update(
    principal: Principal,
    id: string,
    changes: TaskChanges,
    origin: RequestOrigin,
  ): Promise<Task> {
    const task = await this.require(id);
    this.authorizer.require(rules.updateTask, principal, relationToTask(principal, task), {
      at: "Mutation.updateTask",
      origin,
    });
    if (changes.title !== undefined && changes.title !== null)
      task.title = normalizeTitle(changes.title);
    if (changes.done !== undefined && changes.done !== null) task.done = changes.done;
    task.updatedAt = this.clock.now();
    await this.tasks.update(
      { id: task.id },
      { title: task.title, done: task.done, updatedAt: task.updatedAt },
    );
    this.changes.publish({
      kind: TaskEventKind.UPDATED,
      taskId: task.id,
      ownerId: task.ownerId,
      task,
    });
    return task;
  }

  async delete(principal: Principal, id: string, origin: RequestOrigin): Promise<boolean> {
    const task = await this.require(id);
    this.authorizer.require(rules.deleteTask, principal, relationToTask(principal, task), {
      at: "Mutation.deleteTask",
      origin,
    });
    await this.tasks.delete({ id: task.id });
    this.changes.publish({
      kind: TaskEventKind.DELETED,
      taskId: task.id,
      ownerId: task.ownerId,
      task: null,
    });
    return true;
  }

  private async require(id: string): Promise<Task> {
    const task = await this.tasks.findOneBy({ id: parseId(id) });
    if (!task) throw new NotFoundError("No such task.");
    return task;
  }
}
