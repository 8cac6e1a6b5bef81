import {
  Arg,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Mutation,
  Query,
  Resolver,
  Root,
} from "type-graphql";
import { CurrentPrincipal } from "../authorization/current-principal.decorator";
import type { Principal } from "../core/principal";
import type { RequestContext } from "../context/context.type";
import type { LoaderKind } from "../context/request-loaders";
import { Role } from "../core/role";
import { User } from "../users/user.entity";
import { InternalError } from "../errors/app-errors";
import { Task } from "./task.entity";
import { NewTaskInput, TaskPatch } from "./task.inputs";
import type { TaskService } from "./task.service";

@Authorized()
@Resolver(() => Task)
export class TaskResolver {
  constructor(
    private readonly taskService: TaskService,
    private readonly userById: LoaderKind<string, User | null>,
  ) {}

  @Query(() => [Task], { description: "The caller's own tasks." })
  tasks(@CurrentPrincipal() principal: Principal): Promise<Task[]> {
    return this.taskService.listOwn(principal);
  }

  @Query(() => Task, { nullable: true, description: "Visible to its owner, EDITOR and ADMIN." })
  task(
    @Arg("id", () => ID) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Task | null> {
    return this.taskService.get(principal, id);
  }

  @Authorized(Role.EDITOR, Role.ADMIN)
  @Query(() => [Task])
  allTasks(): Promise<Task[]> {
    return this.taskService.listAll();
  }

  @Mutation(() => Task)
  createTask(
    @Arg("input", () => NewTaskInput) input: NewTaskInput,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Task> {
    return this.taskService.create(principal, input);
  }

  @Mutation(() => Task, { description: "Owner, EDITOR or ADMIN." })
  updateTask(
    @Arg("id", () => ID) id: string,
    @Arg("patch", () => TaskPatch) patch: TaskPatch,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Task> {
    return this.taskService.update(principal, id, patch);
  }

  @Mutation(() => Boolean, { description: "Owner or ADMIN." })
  deleteTask(
    @Arg("id", () => ID) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<boolean> {
    return this.taskService.delete(principal, id);
  }

  @FieldResolver(() => User)
  async owner(@Root() task: Task, @Ctx() context: RequestContext): Promise<User> {
    const owner = await context.loaders.get(this.userById).load(task.ownerId);
    // Tasks are deleted with their owner (ON DELETE CASCADE), so this cannot happen in a sound database.
    if (!owner) throw new InternalError(`Task ${task.id} has no owner`);
    return owner;
  }
}
