/**
 * A kind of per-request loader (a DataLoader, or a family of them): how to make one, and the key
 * under which a request keeps it. Features declare theirs beside their services; the composition
 * root makes each kind once and hands it to every resolver that loads through it, so they all
 * batch into the same loader.
 */
export interface LoaderKind<T> {
  create(): T;
}

export function loaderKind<T>(create: () => T): LoaderKind<T> {
  return { create };
}

/** The loaders of one request, made on first use: nothing is cached across requests. */
export class RequestLoaders {
  private readonly loaders = new Map<LoaderKind<unknown>, unknown>();

  get<T>(kind: LoaderKind<T>): T {
    if (this.loaders.has(kind)) return this.loaders.get(kind) as T;
    const loader = kind.create();
    this.loaders.set(kind, loader);
    return loader;
  }
}
