// How many image queries serve answers at once. Each may hold an upload of up to 40 MB and its decode; a few
// at once keep the process's memory bounded (measured in bench/tasks/upload.ts), and one more is told to retry
// (429) instead of queueing unbounded work behind the others. When the last query of a burst ends, `onIdle` runs.
import v8 from 'node:v8';
import vm from 'node:vm';

export class ImageGate {
  private active = 0;

  constructor(
    readonly limit: number,
    private readonly onIdle: () => void = () => {},
  ) {}

  get inUse(): number {
    return this.active;
  }

  /** A release function when a slot is free, else null. The release is idempotent. */
  tryEnter(): (() => void) | null {
    if (this.active >= this.limit) return null;
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.active === 0) this.onIdle();
    };
  }
}

let collect: (() => void) | null | undefined;

/** V8's full garbage collection, made callable at run time (as --expose-gc would); null where that fails. */
function fullGc(): (() => void) | null {
  if (collect !== undefined) return collect;
  try {
    if (typeof globalThis.gc !== 'function') v8.setFlagsFromString('--expose-gc');
    collect = typeof globalThis.gc === 'function' ? globalThis.gc : (vm.runInNewContext('gc') as () => void);
  } catch {
    collect = null;
  }
  return collect;
}

/**
 * Gives a burst's memory back. Its buffers (uploads read for decoding, base64 strings, pixels) are garbage once
 * answered, but only V8's next collection frees them, and an idle server allocates nothing that would start one
 * (Node gives V8 no idle time): four 40 MB queries left serve 400 MB above idle for good. One full collection a
 * moment after the burst (tens of ms) returns it. Call `schedule()` when a burst ends; calls within `delayMs`
 * collapse into one.
 */
export class MemoryRelief {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly delayMs = 1000) {}

  schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      fullGc()?.();
    }, this.delayMs);
    this.timer.unref();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
