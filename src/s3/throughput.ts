/**
 * The minimum-throughput rule of `s3 verify`'s download without --deadline
 * (`s3 list --details` reads only up to the metadata, within the default
 * deadline, which does not grow). The archive's claimed size extends the
 * deadline at the floor's rate, and once a window has passed, every window of
 * that length must bring at least the floor on average, or the body is
 * destroyed with TooSlow: a claimed size buys time only while the bytes really
 * arrive. With --timeout bounding each silence, a server that drips (2 bytes a
 * second for a claimed 100 GB) is stopped after one window, while a real archive
 * of any size keeps streaming as long as it arrives at that rate. A slower link
 * that is steady (a far region) lowers the floor with --min-rate or
 * MIN_RATE_ENV (the chart's `extraEnv`), or gives --deadline.
 */
import type { Readable } from 'stream';
import { InputError } from '../input-error';
import { wholeNumber } from './common';
import { MIN_RATE_ENV } from './config';

/** The slowest average download accepted over each window, without --deadline (the default of --min-rate). */
export const MIN_STREAM_BYTES_PER_SECOND = 256 * 1024;

/**
 * The floor, in bytes a second: --min-rate, else MIN_RATE_ENV, else
 * MIN_STREAM_BYTES_PER_SECOND. At least 1 KiB/s: without a floor, a server
 * could drip a claimed size for as long as it likes. InputError otherwise.
 */
export function minRateBytesPerSecond(flag: string | undefined, env: NodeJS.ProcessEnv): number {
  const fromEnv = env[MIN_RATE_ENV]?.trim();
  const [raw, where] = flag !== undefined ? [flag, '--min-rate'] : fromEnv ? [fromEnv, MIN_RATE_ENV] : [undefined, ''];
  if (raw === undefined) return MIN_STREAM_BYTES_PER_SECOND;
  try {
    return wholeNumber(raw, where) * 1024;
  } catch (e) {
    if (e instanceof InputError) throw new InputError([`${where}: "${raw}" is not a whole number of KiB/s of at least 1`]);
    throw e;
  }
}
/** The shortest window the rate is measured over (the window is the longer of this and --timeout). */
export const MIN_THROUGHPUT_WINDOW_MS = 10_000;
/** How often the rate is measured. */
const TICK_MS = 1000;

/** A download slower than the minimum rate over a whole window. */
export class TooSlow extends Error {
  constructor(
    public readonly bytes: number,
    public readonly windowMs: number,
    public readonly minBytesPerSecond: number = MIN_STREAM_BYTES_PER_SECOND,
  ) {
    super(`the download brought ${bytes} bytes in ${windowMs / 1000} s, less than ${minBytesPerSecond / 1024} KiB/s`);
    this.name = 'TooSlow';
  }
}

/** The window for a --timeout, in milliseconds; `override` (S3Io.throughputWindowMs, tests only) replaces it. */
export function throughputWindowMs(timeoutMs: number, override?: number): number {
  return override ?? Math.max(MIN_THROUGHPUT_WINDOW_MS, timeoutMs);
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
      body.destroy(new TooSlow(brought, now - since, minBytesPerSecond));
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
