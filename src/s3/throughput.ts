/**
 * The minimum-throughput rule of a download without --deadline (`s3 verify`,
 * `s3 list --details`): the command's deadline no longer grows with the size
 * the server claims. Instead, once WINDOW has passed, every window of that
 * length must bring at least MIN_STREAM_BYTES_PER_SECOND on average, or the
 * body is destroyed with TooSlow. With --timeout bounding each silence, a
 * server that drips (2 bytes a second for a claimed 100 GB) is stopped after
 * one window, while a real archive of any size keeps streaming as long as it
 * really arrives at that rate.
 */
import type { Readable } from 'stream';

/** The slowest average download accepted over each window, without --deadline. */
export const MIN_STREAM_BYTES_PER_SECOND = 256 * 1024;
/** The shortest window the rate is measured over (the window is the longer of this and --timeout). */
export const MIN_THROUGHPUT_WINDOW_MS = 10_000;
/** How often the rate is measured. */
const TICK_MS = 1000;

/** A download slower than the minimum rate over a whole window. */
export class TooSlow extends Error {
  constructor(
    public readonly bytes: number,
    public readonly windowMs: number,
  ) {
    super(`the download brought ${bytes} bytes in ${windowMs / 1000} s, less than ${MIN_STREAM_BYTES_PER_SECOND / 1024} KiB/s`);
    this.name = 'TooSlow';
  }
}

/** The window for a --timeout, in milliseconds. */
export function throughputWindowMs(timeoutMs: number): number {
  return Math.max(MIN_THROUGHPUT_WINDOW_MS, timeoutMs);
}

/**
 * Watches a body that another reader consumes (a `data` listener only counts);
 * destroys it with TooSlow when a window brings too little. Returns the function
 * that stops watching.
 */
export function watchThroughput(body: Readable, windowMs: number, minBytesPerSecond = MIN_STREAM_BYTES_PER_SECOND): () => void {
  let bytes = 0;
  const count = (chunk: Buffer | string): void => {
    bytes += chunk.length;
  };
  body.on('data', count);
  const started = Date.now();
  // Samples [time, bytes so far], oldest first; the oldest kept is the start of the current window.
  const samples: Array<[number, number]> = [[started, 0]];
  const timer = setInterval(() => {
    const now = Date.now();
    samples.push([now, bytes]);
    while (samples.length > 1 && now - samples[1][0] >= windowMs) samples.shift();
    const [since, then] = samples[0];
    if (now - since < windowMs) return;
    const brought = bytes - then;
    if (brought < (minBytesPerSecond * (now - since)) / 1000) {
      stop();
      body.destroy(new TooSlow(brought, now - since));
    }
  }, TICK_MS);
  timer.unref();
  const stop = (): void => {
    clearInterval(timer);
    body.off('data', count);
  };
  body.once('close', stop);
  return stop;
}
