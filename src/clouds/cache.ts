/**
 * A per-process cache for reads many operations need (an endpoint, a service's status), keyed by
 * what identifies the answer (URL, credential, id). Concurrent callers share one in-flight read;
 * a failure is never cached, and `forget` drops an entry when an answer says it went stale.
 */
import { ProviderApiError } from "../errors";

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

  /**
   * The parent check: reads afresh, so a "gone" verdict on a child (a key) stands only when its
   * parent (the endpoint, the service) answers now, with these credentials.
   */
  confirm(key: string, load: () => Promise<T>): Promise<T> {
    this.forget(key);
    return this.get(key, load);
  }

  /** Runs `work`; an answer that says the cached read may be stale (401, 403, 404) drops it, so the next operation reads it afresh. */
  async forgetOnRefusal<R>(key: string, work: () => Promise<R>): Promise<R> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof ProviderApiError && (err.status === 401 || err.status === 403 || err.status === 404)) this.forget(key);
      throw err;
    }
  }
}
