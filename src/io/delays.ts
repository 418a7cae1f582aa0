/** Things that wait for a time (retries for their not-before time), each cancellable by key. */
export class Delays<T> {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  /** Calls `release(item)` at `until` (epoch ms); false, and no call, when that time has passed. */
  wait(key: string, item: T, until: number, release: (item: T) => void): boolean {
    const ms = until - Date.now();
    if (ms <= 0) return false;
    this.timers.set(key, setTimeout(() => (this.timers.delete(key), release(item)), ms));
    return true;
  }

  /** Stops a wait; false when nothing waited under `key`. */
  cancel(key: string): boolean {
    const timer = this.timers.get(key);
    if (timer === undefined) return false;
    clearTimeout(timer);
    this.timers.delete(key);
    return true;
  }
}
