/**
 * Property test of retention: over random listings (valid and near-valid
 * names, objects beside and below the prefix, sizes from 0, gzip or not,
 * gzip trailers of a complete tar or of a cut upload, archives corrupt in the
 * middle with intact ends, encrypted or not, LastModified and name timestamps
 * with skew, names in the future, a .tar.gz and a .tar.gz.enc of one timestamp,
 * any page size, keys listed twice (some with another size and ETag), servers
 * that ignore Range), with proofs of `s3 verify` for some archives (matching,
 * or stale: the archive was replaced after it was verified) and orphan
 * markers, the listing as `prune` reads it page by page and the plan it acts on:
 * - at least min(keepLast, proven archives) proven archives are left, and one
 *   whenever there was one;
 * - every archive newer than the newest proven one is left (all of them when
 *   none is proven, and then nothing at all is deleted);
 * - the most recent upload (greatest LastModified) is never deleted;
 * - only archive-named keys directly under the prefix are deleted, each once,
 *   and proof markers only with their archive or long after it is gone.
 * And `latest` (newestRestorable) takes the newest proven archive, or with
 * --accept-unproven never an archive whose ends a Range-ignoring server gave.
 * Whether an object is proven is decided here from what was drawn, not by the
 * code under test.
 */
import fc from 'fast-check';
import { compareNewestFirst, parseArchiveName } from '../../src/s3/archives';
import { collectArchives, ListPage } from '../../src/s3/listing';
import { ORPHAN_GRACE_MS, proofKey } from '../../src/s3/proofs';
import { newestRestorable, planRetention, rangeProblem } from '../../src/s3/restorable';

const RUNS = 1500;
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);
/** What the README documents: a name may be up to 15 h ahead of the clock. */
const TOLERANCE = 15 * HOUR;

interface Drawn {
  readonly key: string;
  readonly size: number;
  readonly lastModified: number;
  readonly head: 'gzip' | 'zip' | 'one-byte' | 'enc';
  /** ISIZE in the gzip trailer (the last 4 bytes). */
  readonly isize: number;
  /** The name's time, when the key is archive-named. */
  readonly named?: number;
  readonly encrypted: boolean;
  /** What the bytes between the ends are: a whole archive, or damaged (the ends intact: only a full read finds it). */
  readonly middle: 'whole' | 'corrupt';
  /** A proof marker of s3 verify: none, one bound to this object, or a stale one (another size or ETag: the archive was replaced). */
  readonly proof: 'none' | 'match' | 'stale-size' | 'stale-etag';
  /** The ETag the listing gives. */
  readonly etag: string;
}

function stamp(time: number): string {
  const iso = new Date(time).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

const prefixArb = fc.constantFrom('infrahub/', '', 'a/b/');
/** A name time: mostly the last year, sometimes just ahead of the clock (within and beyond the tolerance), sometimes far in the future. */
const nameTimeArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: NOW - 365 * DAY, max: NOW }) },
  // A few fixed seconds: a .tar.gz and a .tar.gz.enc of the same timestamp, a marker naming either.
  { weight: 2, arbitrary: fc.constantFrom(NOW - 3 * DAY, NOW - 2 * DAY, NOW - DAY) },
  { weight: 2, arbitrary: fc.integer({ min: NOW, max: NOW + 2 * TOLERANCE }) },
  { weight: 1, arbitrary: fc.integer({ min: Date.UTC(2090, 0, 1), max: Date.UTC(2099, 11, 31) }) },
);
/** How LastModified relates to the name: close (upload after the backup), far (a copy, a clock off), or before the name. */
const skewArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 3 * HOUR }) },
  { weight: 2, arbitrary: fc.integer({ min: -20 * HOUR, max: 20 * HOUR }) },
  { weight: 1, arbitrary: fc.integer({ min: -400 * DAY, max: 400 * DAY }) },
);

function objectArb(prefix: string): fc.Arbitrary<Drawn> {
  const valid = fc.record({ time: nameTimeArb, skew: skewArb, enc: fc.integer({ min: 0, max: 4 }).map((n) => n === 0) }).map(({ time, skew, enc }) => ({
    name: `infrahub_backup_${stamp(Math.floor(time / 1000) * 1000)}.tar.gz${enc ? '.enc' : ''}`,
    named: Math.floor(time / 1000) * 1000,
    lastModified: Math.min(time + skew, NOW),
    encrypted: enc,
  }));
  const near = fc
    .tuple(
      fc.constantFrom(
        (s: string) => `sub/infrahub_backup_${s}.tar.gz`,
        (s: string) => `infrahub_backup_${s}.tar`,
        (s: string) => `infrahub_backup_${s}.tar.gz.bak`,
        (s: string) => `xinfrahub_backup_${s}.tar.gz`,
        (s: string) => `infrahub_backup_${s.slice(0, 4)}13${s.slice(6)}.tar.gz`,
        (s: string) => `infrahub_backup_${s.slice(1)}.tar.gz`,
        (s: string) => `../infrahub_backup_${s}.tar.gz`,
      ),
      nameTimeArb,
      fc.integer({ min: NOW - 400 * DAY, max: NOW }),
    )
    .map(([make, time, lastModified]) => ({ name: make(stamp(time)), named: undefined, lastModified, encrypted: false }));
  const beside = fc
    .tuple(nameTimeArb, fc.integer({ min: NOW - 400 * DAY, max: NOW }))
    .map(([time, lastModified]) => ({ name: `infrahub_backup_${stamp(time)}.tar.gz`, outside: true, lastModified }));
  return fc
    .tuple(
      fc.oneof({ weight: 8, arbitrary: valid }, { weight: 2, arbitrary: near }, { weight: 1, arbitrary: beside }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }).map((name) => ({ name, named: undefined, lastModified: NOW - DAY, encrypted: false })) }),
      fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 10_000 }) }, { weight: 1, arbitrary: fc.constant(0) }),
      fc.oneof(
        { weight: 6, arbitrary: fc.constant('gzip' as const) },
        { weight: 1, arbitrary: fc.constant('zip' as const) },
        { weight: 1, arbitrary: fc.constant('one-byte' as const) },
        { weight: 2, arbitrary: fc.constant('enc' as const) },
      ),
      // The trailer: a complete tar (whole blocks, at least two), or a cut upload's last bytes (anything), or too few blocks.
      fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 2, max: 8_388_607 }).map((n) => n * 512) },
        { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) },
        { weight: 1, arbitrary: fc.constantFrom(0, 512, 1023, 1025) },
      ),
      fc.constantFrom<'whole' | 'corrupt'>('whole', 'whole', 'whole', 'whole', 'corrupt'),
      fc.oneof(
        { weight: 10, arbitrary: fc.constant('match' as const) },
        { weight: 2, arbitrary: fc.constant('none' as const) },
        { weight: 1, arbitrary: fc.constantFrom('stale-size' as const, 'stale-etag' as const) },
      ),
      fc.integer({ min: 0, max: 0xffffff }),
    )
    .map(([o, size, head, isize, middle, proofDrawn, etag]) => {
      const outside = 'outside' in o;
      const key = outside ? `elsewhere/${o.name}` : `${prefix}${o.name}`;
      return {
        key,
        size: head === 'one-byte' && size > 0 ? 1 : size,
        lastModified: Math.floor(o.lastModified / 1000) * 1000,
        head,
        isize,
        named: outside ? undefined : (o as { named?: number }).named,
        encrypted: !outside && (o as { encrypted?: boolean }).encrypted === true,
        middle,
        etag: `"${etag.toString(16)}"`,
        // s3 verify proves only what it read whole and found good: a corrupt or cut archive has at most a stale proof.
        proof: proofDrawn === 'match' && (middle === 'corrupt' || head !== 'gzip' || !completeTar({ size, isize } as Drawn)) ? 'none' : proofDrawn,
      };
    });
}

/** A marker whose archive is not there: its stamp, and how long ago it was written. */
const orphanArb = fc.record({ time: fc.integer({ min: NOW - 365 * DAY, max: NOW }), age: fc.oneof(fc.integer({ min: 0, max: ORPHAN_GRACE_MS - 1000 }), fc.integer({ min: ORPHAN_GRACE_MS + 1000, max: 100 * DAY })) });

const scenarioArb = prefixArb.chain((prefix) =>
  fc.record({
    prefix: fc.constant(prefix),
    objects: fc.uniqueArray(objectArb(prefix), { selector: (o) => o.key, maxLength: 40 }),
    orphans: fc.array(orphanArb, { maxLength: 3 }),
    /** Positions (mod the listing's length) of keys the server lists a second time. */
    repeats: fc.oneof({ weight: 3, arbitrary: fc.constant([] as number[]) }, { weight: 1, arbitrary: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }) }),
    ignoresRange: fc.boolean(),
    acceptUnproven: fc.boolean(),
    pageSize: fc.integer({ min: 1, max: 15 }),
    keepLast: fc.oneof({ weight: 2, arbitrary: fc.integer({ min: 1, max: 2 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 8 }) }),
    keepDays: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined, freq: 2 }),
  }),
);

/** Whether a drawn object is an archive directly under the prefix. */
function isArchive(o: Drawn, prefix: string): boolean {
  return o.named !== undefined && o.key.startsWith(prefix) && !o.key.slice(prefix.length).includes('/');
}

/** Proven, from what was drawn: an archive (not encrypted: verify cannot read one) with a proof bound to it. */
function proven(o: Drawn, prefix: string): boolean {
  return isArchive(o, prefix) && !o.encrypted && o.proof === 'match';
}

/** The marker a drawn archive's proof is, if it has one. */
function markerOf(o: Drawn, prefix: string): { key: string; size: number; etag: string } | undefined {
  if (!isArchive(o, prefix) || o.encrypted || o.proof === 'none') return undefined;
  const parsed = parseArchiveName(o.key.slice(prefix.length))!;
  const size = o.proof === 'stale-size' ? o.size + 1 : o.size;
  const etag = o.proof === 'stale-etag' ? `"${o.etag.slice(1, -1)}0"` : o.etag;
  return { key: proofKey(prefix, parsed, size, etag)!, size: 2, etag: '"m"' };
}

/** Whether drawn trailer bytes end a complete tar.gz (README: whole 512-byte blocks, at least two, in an object of at least 20 bytes). */
function completeTar(o: Drawn): boolean {
  return o.size >= 20 && o.isize % 512 === 0 && o.isize >= 1024;
}

/**
 * Restorable, from what was drawn: archive-named directly under the prefix, not empty, not named beyond the tolerance, and
 * gzip ending as a complete tar, or (named `.enc`) starting with 0x02 and at least 1 KiB.
 */
function restorable(o: Drawn, prefix: string): boolean {
  if (o.named === undefined || !o.key.startsWith(prefix) || o.key.slice(prefix.length).includes('/')) return false;
  if (o.size === 0) return false;
  if (o.encrypted ? o.head !== 'enc' || o.size < 1024 : o.head !== 'gzip' || !completeTar(o)) return false;
  return o.named <= NOW + TOLERANCE;
}

function headBytes(o: Drawn): Buffer {
  if (o.size === 0) return Buffer.alloc(0);
  if (o.head === 'one-byte') return Buffer.from([0x1f]);
  if (o.head === 'enc') return Buffer.from([0x02, 0x00]);
  return o.head === 'gzip' ? Buffer.from([0x1f, 0x8b]) : Buffer.from([0x50, 0x4b]);
}

/** The object's last 8 bytes, as a ranged GET returns them (none from an object too small to hold them). */
function tailBytes(o: Drawn): Buffer | undefined {
  if (o.size < 8) return undefined;
  const out = Buffer.alloc(8);
  out.writeUInt32LE(o.isize, 4);
  return out;
}

test(`prune's plan over ${RUNS} random listings`, async () => {
  const drew = {
    listings: 0,
    objects: 0,
    multiPage: 0,
    withFuture: 0,
    withBroken: 0,
    withCut: 0,
    withCorruptMiddle: 0,
    withBadEncrypted: 0,
    withDeletions: 0,
    withoutProven: 0,
    withUnprovenNewest: 0,
    withStaleProof: 0,
    withDuplicates: 0,
    withDisputed: 0,
    withSameStamp: 0,
    ignoringRange: 0,
    orphansDeleted: 0,
    deleted: 0,
    foreign: 0,
  };
  await fc.assert(
    fc.asyncProperty(scenarioArb, async ({ prefix, objects, orphans, repeats, ignoresRange, acceptUnproven, pageSize, keepLast, keepDays }) => {
      // What the bucket holds: the objects, the markers of their proofs, and orphan markers.
      const markers = objects.map((o) => markerOf(o, prefix)).filter((m): m is { key: string; size: number; etag: string } => m !== undefined);
      const orphanKeys = new Map<string, number>();
      for (const { time, age } of orphans) {
        const key = `${prefix}.proof-infrahub_backup_${stamp(Math.floor(time / 1000) * 1000)}-1-orphan.json`;
        if (!objects.some((o) => isArchive(o, prefix) && !o.encrypted && o.key.includes(stamp(Math.floor(time / 1000) * 1000)))) orphanKeys.set(key, NOW - age);
      }
      const entries = [
        ...objects.map((o) => ({ key: o.key, size: o.size, lastModified: o.lastModified, etag: o.etag })),
        ...markers.map((m) => ({ key: m.key, size: m.size, lastModified: NOW - 100 * DAY, etag: m.etag })),
        ...[...orphanKeys].map(([key, lastModified]) => ({ key, size: 2, lastModified, etag: '"m"' })),
      ];
      // S3 lists in key order, only keys under the prefix (sub-folders as common prefixes), in pages; this server lists some keys twice.
      const under = entries.filter((o) => o.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : 1));
      const listed = [...under];
      // An odd position is listed again with another size and ETag: the listing disputes it, so no proof binds it.
      const disputed = new Set<string>();
      for (const r of repeats) {
        if (under.length === 0) continue;
        const again = under[r % under.length];
        if (r % 2 === 1) disputed.add(again.key);
        listed.push(r % 2 === 1 ? { ...again, size: again.size + 7, etag: '"other"' } : again);
      }
      const isProven = (o: Drawn) => proven(o, prefix) && !disputed.has(o.key);
      const pages: ListPage[] = [];
      for (let i = 0; i === 0 || i < listed.length; i += pageSize) {
        const slice = listed.slice(i, i + pageSize);
        const contents = slice.filter((o) => !o.key.slice(prefix.length).includes('/'));
        const folders = [...new Set(slice.filter((o) => o.key.slice(prefix.length).includes('/')).map((o) => `${prefix}${o.key.slice(prefix.length).split('/')[0]}/`))];
        const last = i + pageSize >= listed.length;
        pages.push({
          Name: 'backups',
          KeyCount: slice.length,
          IsTruncated: !last,
          NextContinuationToken: last ? undefined : `page-${pages.length + 1}`,
          Contents: contents.map((o) => ({ Key: o.key, Size: o.size, LastModified: new Date(o.lastModified), ETag: o.etag })),
          CommonPrefixes: folders.map((p) => ({ Prefix: p })),
        });
      }
      const byKey = new Map(objects.map((o) => [o.key, o]));
      const listing = await collectArchives((token) => Promise.resolve(pages[token === undefined ? 0 : Number(token.slice(5))]), prefix);
      const plan = planRetention(listing.archives, listing.proofs, { keepLast, keepDays }, new Date(NOW));
      const deletedList = plan.entries.filter((e) => e.action === 'delete').map((e) => e.archive.key);
      const deleted = new Set(deletedList);
      expect(deletedList).toHaveLength(deleted.size);
      const left = objects.filter((o) => !deleted.has(o.key));

      // Only archive-named keys directly under the prefix.
      for (const key of deleted) {
        expect(isArchive(byKey.get(key)!, prefix)).toBe(true);
      }
      const archivesDrawn = objects.filter((o) => isArchive(o, prefix));
      // At least min(keepLast, proven before) proven archives are left; none proven: nothing is deleted.
      const before = archivesDrawn.filter(isProven).length;
      const after = left.filter(isProven).length;
      if (before > 0) expect(after).toBeGreaterThan(0);
      expect(after).toBeGreaterThanOrEqual(Math.min(keepLast, before));
      if (before === 0) expect(deleted.size).toBe(0);
      // Every archive newer than the newest proven one is left (by the order prune and latest share: name, then LastModified, then key).
      const asArchive = (o: Drawn) => listing.archives.find((a) => a.key === o.key)!;
      const ordered = [...archivesDrawn].sort((a, b) => compareNewestFirst(asArchive(a), asArchive(b)));
      const newestProven = ordered.findIndex(isProven);
      const newer = newestProven < 0 ? ordered : ordered.slice(0, newestProven);
      for (const o of newer) expect(deleted.has(o.key)).toBe(false);
      // The most recent upload survives.
      if (archivesDrawn.length > 0) {
        const latest = Math.max(...archivesDrawn.map((o) => o.lastModified));
        expect(left.some((o) => archivesDrawn.includes(o) && o.lastModified === latest)).toBe(true);
      }
      // Markers go only with their archive, or once their archive is long gone; never one of an archive left.
      const deletedStamps = new Set([...deleted].map((k) => byKey.get(k)!).filter((o) => !o.encrypted).map((o) => parseArchiveName(o.key.slice(prefix.length))!.stamp));
      for (const { proof, reason } of plan.markers) {
        if (reason === 'archive deleted') expect(deletedStamps.has(proof.stamp)).toBe(true);
        else {
          expect(orphanKeys.get(proof.key)).toBeLessThan(NOW - ORPHAN_GRACE_MS);
          drew.orphansDeleted++;
        }
      }

      // latest: the newest proven archive; with --accept-unproven from a server that ignores Range, still only a proven one.
      const read = (a: { key: string; size: number; encrypted: boolean }) => {
        const o = byKey.get(a.key)!;
        if (ignoresRange) return Promise.resolve({ head: Buffer.alloc(0), problem: rangeProblem(200, undefined, 0, 1, o.size)! });
        return Promise.resolve({ head: headBytes(o), tail: tailBytes(o) });
      };
      const found = await newestRestorable(listing.archives, listing.proofs, new Date(NOW), read, { acceptUnproven });
      const provenNotFuture = ordered.filter((o) => isProven(o) && o.named! <= NOW + TOLERANCE && o.size > 0);
      if (!acceptUnproven || ignoresRange) {
        expect(found.archive?.key).toBe(provenNotFuture[0]?.key);
      } else if (found.archive !== undefined && !found.proven) {
        // An unproven archive taken on its ends: they look complete (it may still be corrupt in the middle: that is what the flag accepts).
        expect(restorable(byKey.get(found.archive.key)!, prefix)).toBe(true);
      }

      drew.listings++;
      drew.objects += objects.length;
      drew.deleted += deleted.size;
      drew.foreign += objects.length - archivesDrawn.length;
      if (pages.length > 1) drew.multiPage++;
      if (archivesDrawn.some((o) => o.named! > NOW + TOLERANCE)) drew.withFuture++;
      if (archivesDrawn.some((o) => o.size === 0 || (!o.encrypted && o.head !== 'gzip'))) drew.withBroken++;
      if (archivesDrawn.some((o) => !o.encrypted && o.head === 'gzip' && o.size > 0 && !completeTar(o))) drew.withCut++;
      if (archivesDrawn.some((o) => !o.encrypted && o.middle === 'corrupt' && restorable(o, prefix))) drew.withCorruptMiddle++;
      if (archivesDrawn.some((o) => o.encrypted && o.size > 0 && (o.head !== 'enc' || o.size < 1024))) drew.withBadEncrypted++;
      if (archivesDrawn.some((o) => o.proof.startsWith('stale'))) drew.withStaleProof++;
      if (ordered.length > 0 && !isProven(ordered[0]) && before > 0) drew.withUnprovenNewest++;
      if (listed.length > under.length) drew.withDuplicates++;
      if (disputed.size > 0) drew.withDisputed++;
      const stamps = archivesDrawn.map((o) => parseArchiveName(o.key.slice(prefix.length))!.stamp);
      if (new Set(stamps).size < stamps.length) drew.withSameStamp++;
      if (ignoresRange && acceptUnproven) drew.ignoringRange++;
      if (deleted.size > 0) drew.withDeletions++;
      if (archivesDrawn.length > 0 && before === 0) drew.withoutProven++;
    }),
    { numRuns: RUNS, seed: 20260115 },
  );
  process.stdout.write(`prune property: ${JSON.stringify(drew)}\n`);
  expect(drew.listings).toBeGreaterThanOrEqual(1000);
  // The generator reached every situation the properties are about.
  const { listings: _l, objects: _o, deleted: _d, foreign: _f, ...situations } = drew;
  for (const [name, count] of Object.entries(situations)) expect([name, count > 20]).toEqual([name, true]);
});
