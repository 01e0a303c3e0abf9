// A bounded async queue between pipeline stages: producers wait when it is full, so memory stays flat
// however far decoding runs ahead of inference.

export class Channel<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private closed = false;
  private takers: ((r: IteratorResult<T>) => void)[] = [];
  private putters: (() => void)[] = [];

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.items.length;
  }

  async push(item: T): Promise<void> {
    if (this.closed) throw new Error('push on a closed channel');
    const taker = this.takers.shift();
    if (taker) {
      taker({ value: item, done: false });
      return;
    }
    while (this.items.length >= this.capacity && !this.closed) await new Promise<void>((r) => this.putters.push(r));
    this.items.push(item);
  }

  close(): void {
    this.closed = true;
    for (const t of this.takers.splice(0)) t({ value: undefined as never, done: true });
    for (const p of this.putters.splice(0)) p();
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.items.shift();
    if (item !== undefined || this.items.length > 0) {
      this.putters.shift()?.();
      return Promise.resolve({ value: item as T, done: false });
    }
    if (this.closed) return Promise.resolve({ value: undefined as never, done: true });
    return new Promise((r) => this.takers.push(r));
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return { next: () => this.next() };
  }
}
