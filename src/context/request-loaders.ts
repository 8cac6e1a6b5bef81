import type DataLoader from "dataloader";

/**
 * A kind of per-request loader: how to make one, and the key under which a request keeps it.
 * Features declare theirs beside their services; the composition root makes each kind once and
 * hands it to every resolver that loads through it, so they all batch into the same loader.
 */
export interface LoaderKind<K, V> {
  create(): DataLoader<K, V>;
}

export function loaderKind<K, V>(create: () => DataLoader<K, V>): LoaderKind<K, V> {
  return { create };
}

/** The loaders of one request, made on first use: nothing is cached across requests. */
export class RequestLoaders {
  private readonly loaders = new Map<LoaderKind<unknown, unknown>, unknown>();

  get<K, V>(kind: LoaderKind<K, V>): DataLoader<K, V> {
    let loader = this.loaders.get(kind) as DataLoader<K, V> | undefined;
    if (!loader) {
      loader = kind.create();
      this.loaders.set(kind, loader);
    }
    return loader;
  }
}
