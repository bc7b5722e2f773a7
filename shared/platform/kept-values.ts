// Values a function instance keeps for a while to skip a read (a channel's configuration, say): each entry is fresh
// for `keepMs` after it was read, and at most `maxEntries` are kept, the oldest read dropped first, so requests for
// many keys cannot grow an instance's memory.
export class KeptValues<T> {
  private readonly entries = new Map<string, { readAt: number; value: T }>();

  constructor(
    private readonly keepMs: number,
    private readonly maxEntries: number,
  ) {}

  /** The kept value of `key` while fresh (wrapped, so a kept `undefined` is a hit), else undefined. */
  get(key: string, nowMs: number): { value: T } | undefined {
    const entry = this.entries.get(key);
    if (!entry || nowMs < entry.readAt || nowMs - entry.readAt >= this.keepMs) return undefined;
    return { value: entry.value };
  }

  set(key: string, value: T, nowMs: number): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { readAt: nowMs, value });
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
