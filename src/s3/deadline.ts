/**
 * The overall deadline of one `s3` command: every S3 call it makes (with the
 * SDK's retries, and while an object's body streams) stops when it passes.
 * Per attempt, the HTTP handler bounds connecting, the first byte and any
 * silence by --timeout (client.ts); the deadline bounds the sum.
 */

/** Default deadline of a command, in multiples of --timeout. */
export const DEADLINE_TIMEOUTS = 3;

/** The longest a Node timer waits (2^31 - 1 ms, about 24.8 days); a longer delay fires after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Thrown (and given as the abort reason) once the deadline has passed. */
export class DeadlineExceeded extends Error {
  constructor(public readonly seconds: number) {
    super(`the command's deadline of ${seconds} s passed`);
    this.name = 'DeadlineExceeded';
  }
}

export class Deadline {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private expiresAt: number;
  private readonly expired: Promise<never>;
  private rejectExpired: (e: unknown) => void = () => undefined;

  /** `ms` from now. */
  constructor(private ms: number) {
    this.expiresAt = Date.now() + ms;
    this.expired = new Promise<never>((_resolve, reject) => (this.rejectExpired = reject));
    // Nobody may be waiting on it when it fires.
    this.expired.catch(() => undefined);
    this.arm();
  }

  private arm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    // A Node timer waits at most MAX_TIMER_MS (a longer one fires after 1 ms): wait in steps.
    const left = Math.max(0, this.expiresAt - Date.now());
    this.timer = setTimeout(() => (Date.now() < this.expiresAt ? this.arm() : this.expire()), Math.min(left, MAX_TIMER_MS));
  }

  private expire(): void {
    const error = new DeadlineExceeded(this.seconds);
    this.rejectExpired(error);
    this.controller.abort(error);
  }

  /** The bound, in whole seconds, as messages state it. */
  get seconds(): number {
    return Math.round(this.ms / 1000);
  }

  /** Aborted once the deadline passes. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get passed(): boolean {
    return this.controller.signal.aborted;
  }

  /** Adds `ms` to the deadline (verify: once the archive's size is known, time to stream it). */
  extend(ms: number): void {
    if (this.passed || ms <= 0) return;
    this.ms += ms;
    this.expiresAt += ms;
    this.arm();
  }

  /** `work`, or DeadlineExceeded if the deadline passes first. */
  race<T>(work: Promise<T>): Promise<T> {
    if (this.passed) {
      work.catch(() => undefined);
      return Promise.reject(new DeadlineExceeded(this.seconds));
    }
    return Promise.race([work, this.expired]);
  }

  /** Stops the timer (the command finished). */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
