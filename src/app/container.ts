import type { ContainerType } from "type-graphql";
import { InternalError } from "../errors/app-errors";

type Constructor<T> = abstract new (...args: never[]) => T;

/** type-graphql's view of the composition root: resolver instances built with explicit arguments. */
export class ResolverContainer implements ContainerType {
  private readonly instances = new Map<unknown, unknown>();

  register<T>(type: Constructor<T>, instance: T): this {
    this.instances.set(type, instance);
    return this;
  }

  get(type: { name?: string }): unknown {
    const instance = this.instances.get(type);
    if (instance === undefined)
      throw new InternalError(`Nothing registered for ${type.name ?? "a resolver"}`);
    return instance;
  }
}
