/**
 * The command's deadline over spans longer than a Node timer can wait
 * (2^31 - 1 ms, about 24.8 days): `s3 copy` extends it by twice each
 * archive's size over --min-rate, `verify` by its size over it, so a large
 * archive at a low rate asks for weeks. Node fires a longer timer after 1 ms.
 */
import fc from 'fast-check';
import { Deadline } from '../../src/s3/deadline';

const MAX_TIMER_MS = 2 ** 31 - 1;

test('a deadline extended beyond what a timer can wait has not passed a moment later', async () => {
  let drawn = 0;
  const deadlines: Deadline[] = [];
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.name);
  process.on('warning', onWarning);
  try {
    fc.assert(
      fc.property(fc.integer({ min: 1_000, max: 60_000 }), fc.array(fc.integer({ min: 1, max: 10 * MAX_TIMER_MS }), { minLength: 1, maxLength: 4 }), (start, extensions) => {
        drawn++;
        const d = new Deadline(start);
        for (const ms of extensions) d.extend(ms);
        deadlines.push(d);
      }),
      { numRuns: 50, seed: 21 },
    );
    // Three copies of 100 GB at --min-rate 16 KiB/s, one after another (s3 copy --max-copies 3), ask for this much.
    const copy = new Deadline(1000);
    for (let i = 0; i < 3; i++) copy.extend(Math.ceil(((2 * 100e9) / (16 * 1024)) * 1000));
    deadlines.push(copy);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(deadlines.filter((d) => d.passed).length).toBe(0);
    expect(warnings.filter((w) => w === 'TimeoutOverflowWarning')).toEqual([]);
  } finally {
    process.off('warning', onWarning);
    for (const d of deadlines) d.dispose();
  }
  expect(drawn).toBe(50);
});

test('a short deadline still passes on time', async () => {
  const d = new Deadline(30);
  await new Promise((resolve) => setTimeout(resolve, 120));
  expect(d.passed).toBe(true);
  d.dispose();
});
