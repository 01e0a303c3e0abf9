// The library's metadata (library.json: roots, models, settings) held in memory with one write queue: every
// change goes through update(fn), and the writes it causes run one at a time, in order, each atomic.
import { readMeta, writeMeta, type LibraryMeta } from './library-meta.js';

export class MetadataStore {
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    private readonly meta: LibraryMeta,
    private readonly readOnly: boolean,
  ) {}

  static async open(dir: string, readOnly = false): Promise<MetadataStore> {
    return new MetadataStore(dir, await readMeta(dir), readOnly);
  }

  /** The metadata as it is now. Read-only by contract: change it through update(). */
  get current(): Readonly<LibraryMeta> {
    return this.meta;
  }

  /**
   * Applies `change` (synchronously, so concurrent callers never see half of another's change), then writes the
   * file. Writes are queued: twenty concurrent updates make twenty writes in call order, the last one current.
   */
  async update<T>(change: (meta: LibraryMeta) => T): Promise<T> {
    const result = change(this.meta);
    await this.save();
    return result;
  }

  /** Writes the current state (after changes made by update()); read-only libraries write nothing. */
  save(): Promise<void> {
    if (this.readOnly) return Promise.resolve();
    const write = this.queue.then(() => writeMeta(this.dir, this.meta));
    this.queue = write.catch(() => {});
    return write;
  }

  /** Waits for the writes asked for so far. */
  async flush(): Promise<void> {
    await this.queue;
  }
}
