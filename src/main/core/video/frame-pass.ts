// One bounded ffmpeg run that pipes out raw RGB frames of a known size, each with its time from showinfo, with
// read-ahead and a clean stop when the consumer quits early; and the typed failure its exit means, if any.
import { abortError, startMedia, type MediaExit } from './media-process.js';
import { memoryFailure, timeoutFailure, videoFailure, type VideoFailure } from './video-errors.js';

export interface RawFrame {
  t: number;
  data: Buffer;
}

/** Frames ffmpeg may decode ahead of the one being turned into a tensor. */
const READ_AHEAD = 2;

const SHOWINFO = /Parsed_showinfo.*?\bn:\s*(\d+)\s+pts:\s*(-?\d+)\s+pts_time:\s*(-?[0-9.eE+-]+)/;

export interface PassResult {
  /** Set when the pass has ended (ffmpeg gone). */
  exit?: MediaExit;
}

/**
 * One ffmpeg run that writes raw RGB frames of a known size; yields each with its time (from showinfo on stderr,
 * matched by order) and puts the exit in `result` at the end. The bounds stop counting while the caller holds a
 * frame; a caller that stops iterating early ends ffmpeg (for-await calls return(), which runs the finally).
 */
export async function* runPass(
  bin: string,
  args: string[],
  frameBytes: number,
  limits: { timeoutMs: number; stallMs: number; memoryBytes?: number; signal?: AbortSignal; runDir?: string },
  result: PassResult,
): AsyncGenerator<RawFrame, void> {
  const times: number[] = [];
  let wake: (() => void) | null = null;
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const proc = startMedia(bin, args, {
    ...limits,
    onStderrLine: (line) => {
      const m = SHOWINFO.exec(line);
      if (!m) return false;
      times.push(Number(m[3]));
      poke();
      return true;
    },
  });
  let exited = false;
  void proc.exited.then(() => {
    exited = true;
    poke();
  });
  // Read-ahead of READ_AHEAD frames: ffmpeg decodes the next keyframe while this process makes the tensor and the
  // thumbnail of the last one (a 1080p working frame is ~0.5 MB, far more than a pipe holds).
  const queue: Buffer[] = [];
  let ended = false;
  /** Set when the consumer has stopped: the rest of the output is read and dropped, so the pipe can close. */
  let dropping = false;
  let buf = Buffer.allocUnsafe(frameBytes);
  let fill = 0;
  const stdout = proc.stdout;
  stdout.on('data', (chunk: Buffer) => {
    if (dropping) return;
    for (let off = 0; off < chunk.length;) {
      const n = Math.min(frameBytes - fill, chunk.length - off);
      chunk.copy(buf, fill, off, off + n);
      fill += n;
      off += n;
      if (fill === frameBytes) {
        queue.push(buf);
        buf = Buffer.allocUnsafe(frameBytes);
        fill = 0;
      }
    }
    if (queue.length >= READ_AHEAD) stdout.pause();
    poke();
  });
  stdout.once('end', () => {
    ended = true;
    poke();
  });
  stdout.once('error', () => {
    ended = true;
    poke();
  });
  const next = () => new Promise<void>((r) => (wake = r));
  let frames = 0;
  let finished = false;
  try {
    for (;;) {
      while (queue.length === 0 && !ended && !exited) await next();
      const data = queue.shift();
      if (!data) break;
      if (queue.length < READ_AHEAD && stdout.isPaused()) stdout.resume();
      // stderr is another pipe: the frame's showinfo line may still be on its way.
      while (times.length <= frames && !exited) await next();
      const t = times[frames++];
      if (t === undefined || !Number.isFinite(t)) continue;
      proc.hold();
      try {
        yield { t, data };
      } finally {
        proc.release();
      }
    }
    finished = true;
  } finally {
    // The consumer stopped early (break, an error, an abort): end ffmpeg and wait until it is gone.
    // A stream left paused would never end, and 'close' (hence `exited`) waits for it: found by a SIGKILL-free hang
    // that a test hit one run in six.
    if (!finished) {
      dropping = true;
      proc.kill('done');
      stdout.resume();
    }
    result.exit = await proc.exited;
  }
}

/** What a pass's exit means for the video, null when it ended well; a cancel by the caller's signal throws its reason. */
export function passFailure(exit: MediaExit, what: string, timeoutMs: number, memoryBytes: number | undefined, signal?: AbortSignal): VideoFailure | null {
  if (exit.killedFor === 'cancel' && signal?.aborted) throw abortError(signal);
  if (exit.spawnError) return videoFailure('unavailable', 'The bundled ffmpeg could not be started.', exit.spawnError);
  if (exit.killedFor === 'timeout') return timeoutFailure(what, timeoutMs, exit.stderr);
  if (exit.killedFor === 'stalled') return videoFailure('timeout', `Gave up: ${what} stopped making progress.`, exit.stderr);
  if (exit.killedFor === 'memory') return memoryFailure(what, memoryBytes ?? 0, exit.stderr);
  if (exit.killedFor === 'shutdown') return videoFailure('timeout', `Stopped: ${what} was interrupted by shutdown.`);
  if (exit.code !== 0 && exit.killedFor === null) {
    if (/cannot allocate memory|out of memory/i.test(exit.stderr)) return memoryFailure(what, memoryBytes ?? 0, exit.stderr);
    return videoFailure('corrupt', `The video is damaged: ${what} failed.`, exit.stderr || `ffmpeg exited with ${exit.code ?? exit.signal}`);
  }
  return null;
}
