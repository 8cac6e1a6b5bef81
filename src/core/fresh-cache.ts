import type { MonotonicClock } from "./clock";

export interface FreshCacheSettings {
  /** An entry is trusted this long at most; then the next read loads it again. */
  readonly maxAgeMs: number;
  /** Beyond this many entries the least recently loaded are dropped. */
  readonly maxEntries: number;
}

interface Entry<V> {
  readonly value: V;
  /** When its load started: the value is at least as fresh as that. */
  readonly loadedAt: number;
}

interface Load<V> {
  promise: Promise<V>;
  /** Invalidated while in flight: its value may predate the change and is not kept. */
  overtaken: boolean;
}

/**
 * Values loaded on demand and kept for a bounded time, so a hot key costs one load per
 * `maxAgeMs` rather than one per request. Loads of one key are shared while in flight.
 * `invalidate` drops a key at once, and a load that was in flight when it was invalidated is not
 * kept (it may have read the value from before the change), so an invalidation is never undone.
 */
export class FreshCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  private readonly loading = new Map<K, Load<V>>();

  constructor(
    private readonly load: (key: K) => Promise<V>,
    private readonly settings: FreshCacheSettings,
    private readonly monotonicNow: MonotonicClock,
  ) {}

  get(key: K): Promise<V> {
    const entry = this.entries.get(key);
    if (entry && this.monotonicNow() - entry.loadedAt < this.settings.maxAgeMs) {
      return Promise.resolve(entry.value);
    }
    return this.loading.get(key)?.promise ?? this.startLoad(key);
  }

  /** The value if a fresh one is held, without loading: undefined when it would take a load. */
  peek(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry && this.monotonicNow() - entry.loadedAt < this.settings.maxAgeMs) return entry.value;
    return undefined;
  }

  invalidate(key: K): void {
    this.entries.delete(key);
    const inFlight = this.loading.get(key);
    if (inFlight) {
      inFlight.overtaken = true;
      this.loading.delete(key);
    }
  }

  /** How many keys are held, for tests and benchmarks. */
  get size(): number {
    return this.entries.size;
  }

  private startLoad(key: K): Promise<V> {
    const startedAt = this.monotonicNow();
    const record: Load<V> = { overtaken: false, promise: Promise.resolve(undefined as V) };
    record.promise = this.load(key).then(
      (value) => {
        if (!record.overtaken) {
          this.loading.delete(key);
          this.remember(key, value, startedAt);
        }
        return value;
      },
      (error: unknown) => {
        if (!record.overtaken) this.loading.delete(key);
        throw error;
      },
    );
    this.loading.set(key, record);
    return record.promise;
  }

  private remember(key: K, value: V, loadedAt: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, loadedAt });
    if (this.entries.size > this.settings.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }
}
