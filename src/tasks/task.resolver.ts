import {
  Arg,
  Args,
  Ctx,
  FieldResolver,
  ID,
  Info,
  Mutation,
  Query,
  Resolver,
  Root,
} from "type-graphql";
import type { GraphQLResolveInfo } from "graphql";
import { CurrentPrincipal } from "../authorization/current-principal.decorator";
import type { Principal } from "../core/principal";
import type { RequestContext } from "../context/context.type";
import type { UserByIdLoader } from "../users/user.loaders";
import type { UserDirectory } from "../users/user-directory";
import { Requires } from "../authorization/requires";
import { rules } from "../authorization/rules";
import { Paged } from "../graphql/directives";
import { encodeCursor } from "../pagination/cursor";
import { PageArgs } from "../pagination/page.args";
import { User } from "../users/user.entity";
import { InternalError } from "../errors/app-errors";
import { selectedFieldNames } from "../graphql/selection";
import { Task } from "./task.entity";
import { taskPropertiesFor } from "./task-properties";
import { NewTaskInput, TaskPatch } from "./task.inputs";
import type { TaskService } from "./task.service";

@Resolver(() => Task)
export class TaskResolver {
  constructor(
    private readonly taskService: TaskService,
    private readonly users: Pick<UserDirectory, "peek">,
    private readonly userById: UserByIdLoader,
  ) {}

  @Requires(rules.readOwnTasks)
  @Paged()
  @Query(() => [Task], { description: "The caller's own tasks, oldest first." })
  tasks(
    @Args(() => PageArgs) page: PageArgs,
    @CurrentPrincipal() principal: Principal,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Task[]> {
    return this.taskService.listOwn(principal, page, taskPropertiesFor(selectedFieldNames(info)));
  }

  @Requires(rules.readTask)
  @Query(() => Task, {
    nullable: true,
    description: "Visible to its owner and to callers with task:read:any (EDITOR, ADMIN).",
  })
  task(
    @Arg("id", () => ID) id: string,
    @CurrentPrincipal() principal: Principal,
    @Ctx() context: RequestContext,
  ): Promise<Task | null> {
    return this.taskService.get(principal, id, context.origin);
  }

  @Requires(rules.readAllTasks)
  @Paged()
  @Query(() => [Task], { description: "Everyone's tasks, oldest first." })
  allTasks(
    @Args(() => PageArgs) page: PageArgs,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Task[]> {
    return this.taskService.listAll(page, taskPropertiesFor(selectedFieldNames(info)));
  }

  @Requires(rules.createTask)
  @Mutation(() => Task)
  createTask(
    @Arg("input", () => NewTaskInput) input: NewTaskInput,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Task> {
    return this.taskService.create(principal, input);
  }

  @Requires(rules.updateTask)
  @Mutation(() => Task, { description: "Owner, or task:update:any (EDITOR, ADMIN)." })
  updateTask(
    @Arg("id", () => ID) id: string,
    @Arg("patch", () => TaskPatch) patch: TaskPatch,
    @CurrentPrincipal() principal: Principal,
    @Ctx() context: RequestContext,
  ): Promise<Task> {
    return this.taskService.update(principal, id, patch, context.origin);
  }

  @Requires(rules.deleteTask)
  @Mutation(() => Boolean, { description: "Owner, or task:delete:any (ADMIN)." })
  deleteTask(
    @Arg("id", () => ID) id: string,
    @CurrentPrincipal() principal: Principal,
    @Ctx() context: RequestContext,
  ): Promise<boolean> {
    return this.taskService.delete(principal, id, context.origin);
  }

  @Requires(rules.signedIn)
  @FieldResolver(() => String, {
    description:
      "Where this task sits in a task list: pass it as `after` for the tasks that follow.",
  })
  cursor(@Root() task: Task): string {
    return encodeCursor(task);
  }

  @Requires(rules.signedIn)
  /**
   * From memory when the directory holds the row, synchronously: a page of tasks whose owners
   * were read in the last second completes without a promise per task.
   */
  @FieldResolver(() => User)
  owner(@Root() task: Task, @Ctx() context: RequestContext): User | Promise<User> {
    const known = this.users.peek(task.ownerId);
    if (known !== undefined) return ownerOf(task, known);
    return context.loaders
      .get(this.userById)
      .load(task.ownerId)
      .then((owner) => ownerOf(task, owner));
  }
}

function ownerOf(task: Task, owner: User | null): User {
  // Tasks are deleted with their owner (ON DELETE CASCADE), so this cannot happen in a sound database.
  if (!owner) throw new InternalError(`Task ${task.id} has no owner`);
  return owner;
}
