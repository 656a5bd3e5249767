/**
 * A per-process cache for reads many operations need (an endpoint, a service's status), keyed by
 * what identifies the answer (URL, credential, id). Concurrent callers share one in-flight read;
 * a failure is never cached, and `forget` drops an entry when an answer says it went stale.
 */
const all = new Set<ReadCache<unknown>>();

/** Drops every cached read in this process (tests that reconfigure a server between cases). */
export function forgetCachedReads(): void {
  for (const cache of all) cache.clear();
}

export class ReadCache<T> {
  private readonly entries = new Map<string, { at: number; value: Promise<T> }>();

  constructor(private readonly ttlMs: number) {
    all.add(this);
  }

  clear(): void {
    this.entries.clear();
  }

  get(key: string, load: () => Promise<T>, now = Date.now()): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const value = load();
    this.entries.set(key, { at: now, value });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
