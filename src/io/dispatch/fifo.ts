/**
 * A first-in first-out queue on an array with a moving head: O(1) push, shift and push to
 * the front, compacted now and then. An item that left some other way stays in the array and
 * is skipped when it reaches the head (the caller's `waits` says whether it still waits), so
 * leaving is O(1) and the queue never needs a search.
 */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  push(item: T): void {
    this.items.push(item);
  }

  pushFront(item: T): void {
    if (this.head > 0) this.items[--this.head] = item;
    else this.items.unshift(item);
  }

  /** The first item that still waits, without taking it; what no longer waits is dropped. */
  peek(waits: (item: T) => boolean): T | undefined {
    while (this.head < this.items.length && !waits(this.items[this.head]!)) this.items[this.head++] = undefined;
    return this.items[this.head];
  }

  /** Takes the first item that still waits; what no longer waits is dropped on the way. */
  shift(waits: (item: T) => boolean): T | undefined {
    while (this.head < this.items.length) {
      const item = this.items[this.head]!;
      this.items[this.head++] = undefined;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      if (waits(item)) return item;
    }
    return undefined;
  }
}
