/**
 * Property test of retention: over random listings (valid and near-valid
 * names, objects beside and below the prefix, sizes from 0, gzip or not,
 * gzip trailers of a complete tar or of a cut upload, encrypted or not,
 * LastModified and name timestamps with skew, names in the future, any page
 * size), the listing as `prune` reads it page by page and the plan it acts on:
 * - whenever there was a restorable archive, one is left after pruning;
 * - the most recent upload (greatest LastModified) is never deleted;
 * - only archive-named keys directly under the prefix are deleted;
 * - at least min(keepLast, restorable archives) restorable archives are left.
 * Whether an object is restorable is decided here from what was drawn, not by
 * the code under test.
 */
import fc from 'fast-check';
import { collectArchives, ListPage } from '../../src/s3/listing';
import { planRetention } from '../../src/s3/restorable';

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
}

function stamp(time: number): string {
  const iso = new Date(time).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

const prefixArb = fc.constantFrom('infrahub/', '', 'a/b/');
/** A name time: mostly the last year, sometimes just ahead of the clock (within and beyond the tolerance), sometimes far in the future. */
const nameTimeArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: NOW - 365 * DAY, max: NOW }) },
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
    )
    .map(([o, size, head, isize]) => {
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
      };
    });
}

const scenarioArb = prefixArb.chain((prefix) =>
  fc.record({
    prefix: fc.constant(prefix),
    objects: fc.uniqueArray(objectArb(prefix), { selector: (o) => o.key, maxLength: 40 }),
    pageSize: fc.integer({ min: 1, max: 15 }),
    keepLast: fc.integer({ min: 1, max: 8 }),
    keepDays: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
  }),
);

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
  const drew = { listings: 0, objects: 0, multiPage: 0, withFuture: 0, withBroken: 0, withCut: 0, withBadEncrypted: 0, withDeletions: 0, withoutRestorable: 0, deleted: 0, foreign: 0 };
  await fc.assert(
    fc.asyncProperty(scenarioArb, async ({ prefix, objects, pageSize, keepLast, keepDays }) => {
      // S3 lists in key order, only keys under the prefix (sub-folders as common prefixes), in pages.
      const under = objects.filter((o) => o.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : 1));
      const pages: ListPage[] = [];
      for (let i = 0; i === 0 || i < under.length; i += pageSize) {
        const slice = under.slice(i, i + pageSize);
        const contents = slice.filter((o) => !o.key.slice(prefix.length).includes('/'));
        const folders = [...new Set(slice.filter((o) => o.key.slice(prefix.length).includes('/')).map((o) => `${prefix}${o.key.slice(prefix.length).split('/')[0]}/`))];
        const last = i + pageSize >= under.length;
        pages.push({
          Name: 'backups',
          KeyCount: slice.length,
          IsTruncated: !last,
          NextContinuationToken: last ? undefined : `page-${pages.length + 1}`,
          Contents: contents.map((o) => ({ Key: o.key, Size: o.size, LastModified: new Date(o.lastModified) })),
          CommonPrefixes: folders.map((p) => ({ Prefix: p })),
        });
      }
      const byKey = new Map(objects.map((o) => [o.key, o]));
      const listing = await collectArchives(async (token) => pages[token === undefined ? 0 : Number(token.slice(5))], prefix);
      const plan = await planRetention(listing.archives, { keepLast, keepDays }, new Date(NOW), async (a) => ({ head: headBytes(byKey.get(a.key)!), tail: tailBytes(byKey.get(a.key)!) }));
      const deleted = new Set(plan.entries.filter((e) => e.action === 'delete').map((e) => e.archive.key));
      const left = objects.filter((o) => !deleted.has(o.key));

      // Only archive-named keys directly under the prefix.
      for (const key of deleted) {
        const o = byKey.get(key)!;
        expect(o.named).toBeDefined();
        expect(key.startsWith(prefix) && !key.slice(prefix.length).includes('/')).toBe(true);
      }
      // A restorable archive is left whenever there was one; and as many as keep-last asks for.
      const before = objects.filter((o) => restorable(o, prefix)).length;
      const after = left.filter((o) => restorable(o, prefix)).length;
      if (before > 0) expect(after).toBeGreaterThan(0);
      expect(after).toBeGreaterThanOrEqual(Math.min(keepLast, before));
      // The most recent upload survives.
      const archivesDrawn = objects.filter((o) => o.named !== undefined && o.key.startsWith(prefix) && !o.key.slice(prefix.length).includes('/'));
      if (archivesDrawn.length > 0) {
        const latest = Math.max(...archivesDrawn.map((o) => o.lastModified));
        expect(left.some((o) => archivesDrawn.includes(o) && o.lastModified === latest)).toBe(true);
      }

      drew.listings++;
      drew.objects += objects.length;
      drew.deleted += deleted.size;
      drew.foreign += objects.length - archivesDrawn.length;
      if (pages.length > 1) drew.multiPage++;
      if (archivesDrawn.some((o) => o.named! > NOW + TOLERANCE)) drew.withFuture++;
      if (archivesDrawn.some((o) => o.size === 0 || (!o.encrypted && o.head !== 'gzip'))) drew.withBroken++;
      if (archivesDrawn.some((o) => !o.encrypted && o.head === 'gzip' && o.size > 0 && !completeTar(o))) drew.withCut++;
      if (archivesDrawn.some((o) => o.encrypted && o.size > 0 && (o.head !== 'enc' || o.size < 1024))) drew.withBadEncrypted++;
      if (deleted.size > 0) drew.withDeletions++;
      if (archivesDrawn.length > 0 && before === 0) drew.withoutRestorable++;
    }),
    { numRuns: RUNS, seed: 20260115 },
  );
  process.stdout.write(`prune property: ${JSON.stringify(drew)}\n`);
  expect(drew.listings).toBeGreaterThanOrEqual(1000);
  // The generator reached every situation the properties are about.
  for (const count of [drew.multiPage, drew.withFuture, drew.withBroken, drew.withCut, drew.withBadEncrypted, drew.withDeletions, drew.withoutRestorable]) expect(count).toBeGreaterThan(20);
});
