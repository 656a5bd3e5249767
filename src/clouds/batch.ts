/**
 * Many resources refreshing at once in one provider process (a `pulumi refresh` of a big stack)
 * can share one list request instead of one read each. Callers that arrive within a short window
 * for the same group form a batch; a batch of one, a failed list, or an id the list does not
 * contain answers `undefined`, and the caller falls back to its own single read, which alone
 * decides "not found".
 */
export class ListBatcher<T> {
  private readonly open = new Map<string, { ids: Set<string>; done: Promise<Map<string, T> | undefined> }>();

  constructor(private readonly windowMs: number) {}

  async find(group: string, id: string, list: () => Promise<Map<string, T>>): Promise<T | undefined> {
    let batch = this.open.get(group);
    if (!batch) {
      const ids = new Set<string>();
      const done = new Promise<Map<string, T> | undefined>((resolve) => {
        setTimeout(() => {
          this.open.delete(group);
          if (ids.size < 2) resolve(undefined);
          else list().then(resolve, () => resolve(undefined));
        }, this.windowMs);
      });
      batch = { ids, done };
      this.open.set(group, batch);
    }
    batch.ids.add(id);
    return (await batch.done)?.get(id);
  }
}
