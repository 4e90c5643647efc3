/**
 * Property test of what `s3 copy` copies: over random source listings
 * (proven, stale-proven and unproven archives, encrypted ones, empty ones,
 * names in the future, ends complete or cut) and random destinations (the
 * archive absent, there with its proof, there without one, there with
 * another size, foreign archives only there), with and without
 * --accept-unproven, for --max-copies from 1 to 4 and with or without
 * --within, the plan is exactly:
 * the restorable archives younger than --within missing at the destination, newest first, at most
 * --max-copies; the newest restorable archive; and the ends of an archive
 * are read only when a proof cannot decide. Restorable and present are
 * decided here from what was drawn, not by the code under test.
 */
import fc from 'fast-check';
import { Archive, archiveOf } from '../../src/s3/archives';
import { partSizeFor, planCopies } from '../../src/s3/copy';
import { copyEnvironment, forCopy } from '../../src/s3/config';
import { Proof, proofKey, proofOf } from '../../src/s3/proofs';
import { GZIP_STUB, TRUNCATED_STUB } from './support';

const RUNS = 1200;
const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);
const DAY = 86_400_000;

type Proofed = 'match' | 'stale' | 'none';
type There = 'absent' | 'proven' | 'unproven' | 'other-size';

interface DrawnArchive {
  readonly day: number;
  readonly encrypted: boolean;
  readonly empty: boolean;
  readonly future: boolean;
  readonly proof: Proofed;
  readonly ends: 'complete' | 'cut';
  readonly there: There;
}

function stamp(time: number): string {
  const iso = new Date(time).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

const archiveArb = fc.record({
  encrypted: fc.boolean(),
  empty: fc.constantFrom(false, false, false, false, true),
  future: fc.constantFrom(false, false, false, false, false, true),
  proof: fc.constantFrom<Proofed>('match', 'match', 'stale', 'none'),
  ends: fc.constantFrom<'complete' | 'cut'>('complete', 'complete', 'cut'),
  there: fc.constantFrom<There>('absent', 'absent', 'proven', 'unproven', 'other-size'),
});

const drawnArb = fc
  .uniqueArray(fc.integer({ min: 0, max: 400 }), { minLength: 0, maxLength: 14 })
  .chain((days) => fc.tuple(fc.constant(days), fc.array(archiveArb, { minLength: days.length, maxLength: days.length })))
  .map(([days, rest]) => days.map((day, i): DrawnArchive => ({ day, ...rest[i] })));

interface Built {
  readonly archive: Archive;
  readonly drawn: DrawnArchive;
}

function build(drawn: DrawnArchive[], extraAtDestination: number[]): { source: { archives: Archive[]; proofs: Proof[] }; destination: { archives: Archive[]; proofs: Proof[] }; built: Built[] } {
  const source = { archives: [] as Archive[], proofs: [] as Proof[] };
  const destination = { archives: [] as Archive[], proofs: [] as Proof[] };
  const built: Built[] = [];
  for (const d of drawn) {
    const time = d.future ? NOW + 20 * 3600_000 + d.day * DAY : NOW - d.day * DAY - 3600_000;
    const name = `infrahub_backup_${stamp(time)}.tar.gz${d.encrypted ? '.enc' : ''}`;
    const size = d.empty ? 0 : 2048 + d.day;
    const etag = `"${stamp(time).replace('_', '')}aa"`;
    const archive = archiveOf(`src/${name}`, 'src/', size, new Date(time), etag)!;
    source.archives.push(archive);
    built.push({ archive, drawn: d });
    if (d.proof !== 'none' && !d.encrypted) {
      source.proofs.push(proofOf(proofKey('src/', archive, d.proof === 'match' ? size : size + 1, etag)!, 'src/')!);
    }
    if (d.there !== 'absent') {
      const destSize = d.there === 'other-size' ? size + 7 : size;
      const destEtag = `"d${stamp(time).replace('_', '')}-2"`;
      const copy = archiveOf(`dst/${name}`, 'dst/', destSize, new Date(time + 60_000), destEtag)!;
      destination.archives.push(copy);
      if ((d.there === 'proven' || d.there === 'other-size') && !d.encrypted) destination.proofs.push(proofOf(proofKey('dst/', copy, destSize, destEtag)!, 'dst/')!);
    }
  }
  for (const day of extraAtDestination) {
    destination.archives.push(archiveOf(`dst/infrahub_backup_${stamp(NOW - day * DAY - 7_000)}.tar.gz`, 'dst/', 4096, new Date(NOW), '"x"')!);
  }
  return { source, destination, built };
}

test('copy plans: the restorable archives missing at the destination, newest first, at most --max-copies', async () => {
  const drew = { runs: 0, archives: 0, copied: 0, present: 0, more: 0, reads: 0, unproven: 0, future: 0, stale: 0, older: 0 };
  await fc.assert(
    fc.asyncProperty(drawnArb, fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 3 }), fc.integer({ min: 1, max: 4 }), fc.boolean(), fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }), async (drawn, extra, maxCopies, acceptUnproven, withinDays) => {
      const { source, destination, built } = build(drawn, extra);
      const read: Archive[] = [];
      const byKey = new Map(built.map((b) => [b.archive.key, b]));
      const withinMs = withinDays === undefined ? undefined : withinDays * DAY;
      const plan = await planCopies(source, destination, { maxCopies, acceptUnproven, withinMs }, new Date(NOW), (archive) => {
        read.push(archive);
        const d = byKey.get(archive.key)!.drawn;
        if (archive.encrypted) return Promise.resolve({ head: Buffer.concat([Buffer.from([2]), Buffer.alloc(2047)]) });
        return Promise.resolve(d.ends === 'complete' ? { head: GZIP_STUB.subarray(0, 2), tail: GZIP_STUB.subarray(GZIP_STUB.length - 8) } : { head: TRUNCATED_STUB.subarray(0, 2), tail: TRUNCATED_STUB.subarray(4, 12) });
      });

      // The oracle, from what was drawn.
      const newestFirst = [...built].sort((a, b) => (a.archive.stamp < b.archive.stamp ? 1 : a.archive.stamp > b.archive.stamp ? -1 : a.archive.key < b.archive.key ? 1 : -1));
      const proven = (b: Built): boolean => b.drawn.proof === 'match' && !b.drawn.encrypted;
      const endsOk = (b: Built): boolean => (b.drawn.encrypted ? b.archive.size >= 1024 : b.drawn.ends === 'complete');
      // --within: the age is the older of the name and the upload (both the drawn time here); a name in the future is not old.
      const inWindow = (b: Built): boolean => withinMs === undefined || NOW - b.archive.lastModified!.getTime() <= withinMs;
      const restorable = (b: Built): boolean => inWindow(b) && !b.drawn.future && !b.drawn.empty && (proven(b) || (acceptUnproven && (endsOk(b) || present(b))));
      const present = (b: Built): boolean => b.drawn.there === 'proven' || (b.drawn.there === 'unproven' && !proven(b));
      const candidates = newestFirst.filter(restorable);
      const missing = candidates.filter((b) => !present(b));
      expect(plan.copy.map((c) => c.archive.key)).toEqual(missing.slice(0, maxCopies).map((b) => b.archive.key));
      expect(plan.copy.map((c) => c.proven)).toEqual(missing.slice(0, maxCopies).map(proven));
      expect(plan.more).toBe(missing.length > maxCopies);
      expect(plan.newest?.key).toBe(candidates[0]?.archive.key);
      // Present: counted up to where the walk stopped (the first missing archive past the bound).
      const stop = missing.length > maxCopies ? candidates.indexOf(missing[maxCopies]) : candidates.length;
      expect(plan.present).toBe(candidates.slice(0, stop).filter(present).length);
      // Ends are read only for unproven archives, with --accept-unproven, never for one already there.
      for (const archive of read) {
        const b = byKey.get(archive.key)!;
        expect(acceptUnproven && !proven(b) && !present(b)).toBe(true);
      }
      drew.runs++;
      drew.archives += built.length;
      drew.copied += plan.copy.length;
      drew.present += plan.present;
      drew.more += plan.more ? 1 : 0;
      drew.reads += read.length;
      drew.unproven += plan.copy.filter((c) => !c.proven).length;
      drew.future += built.filter((b) => b.drawn.future).length;
      drew.stale += built.filter((b) => b.drawn.proof === 'stale').length;
      drew.older += plan.older;
    }),
    { numRuns: RUNS },
  );
  console.log(`copy plans drawn: ${JSON.stringify(drew)}`);
  expect(drew.runs).toBe(RUNS);
  expect(drew.more).toBeGreaterThan(50);
  expect(drew.unproven).toBeGreaterThan(50);
  expect(drew.present).toBeGreaterThan(100);
  expect(drew.older).toBeGreaterThan(100);
});

describe('the pieces', () => {
  test('parts: 8 MiB, growing in whole MiB so that an archive stays under 9,000 parts (S3 takes 10,000)', () => {
    const MiB = 1024 * 1024;
    expect(partSizeFor(0)).toBe(8 * MiB);
    expect(partSizeFor(70 * 1024 * MiB)).toBe(8 * MiB);
    for (const size of [72_000 * MiB + 1, 100 * 1024 * MiB, 5 * 1024 * 1024 * MiB]) {
      const part = partSizeFor(size);
      expect(part % MiB).toBe(0);
      expect(Math.ceil(size / part)).toBeLessThanOrEqual(9000);
    }
  });

  test("the destination's variables: COPY_ + the source's name, none inherited; its lines name them", () => {
    const env = { INFRAHUB_S3_BUCKET: 'a', AWS_ACCESS_KEY_ID: 'k', COPY_INFRAHUB_S3_REGION: 'eu-west-1', COPY_AWS_SESSION_TOKEN: 't' };
    expect(copyEnvironment(env)).toEqual({ INFRAHUB_S3_REGION: 'eu-west-1', AWS_SESSION_TOKEN: 't' });
    expect(forCopy('check INFRAHUB_S3_BUCKET and INFRAHUB_S3_ENDPOINT (or --bucket, --endpoint); AWS_ACCESS_KEY_ID, COPY_AWS_SECRET_ACCESS_KEY, --timeout, INFRAHUB_S3_BUCKETS')).toBe(
      'check COPY_INFRAHUB_S3_BUCKET and COPY_INFRAHUB_S3_ENDPOINT (or --to-bucket, --to-endpoint); COPY_AWS_ACCESS_KEY_ID, COPY_AWS_SECRET_ACCESS_KEY, --timeout, INFRAHUB_S3_BUCKETS',
    );
  });
});
