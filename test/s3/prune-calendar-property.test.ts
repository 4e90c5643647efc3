/**
 * Property test of calendar retention (`prune --keep-daily/--keep-weekly/
 * --keep-monthly/--keep-yearly` with `--keep-last` and `--keep-days`): over
 * random listings spread over several years, thick around the clock changes
 * of zones with daylight saving time (Europe/Berlin, America/Sao_Paulo, whose
 * changes before 2019 skipped or repeated local midnight, Australia/Lord_Howe
 * and its half hour, Pacific/Chatham at +12:45/+13:45), with archives that are
 * not proven (no proof, a stale proof, encrypted, empty), named in the future,
 * uploaded long after their name, or sharing a timestamp, the plan keeps
 * exactly what a reference model of the rules written here keeps, and its
 * --dry-run reasons name exactly the calendar rules that keep each archive.
 *
 * The reference model is deliberately simple and shares no calendar code with
 * the product: the local date is the instant plus the zone's UTC offset (from
 * Intl's `longOffset` name), and the ISO week counts Mondays from the Monday of
 * the week holding 4 January. Invariants checked beside it: the newest proven
 * archive and the most recent upload are kept, nothing is deleted without a
 * proven archive, only archive-named keys directly under the prefix are ever
 * deleted.
 */
import fc from 'fast-check';
import { Archive, archiveOf, compareNewestFirst } from '../../src/s3/archives';
import { bucketsOf, isoWeek } from '../../src/s3/calendar';
import { Proof, proofKey, proofOf } from '../../src/s3/proofs';
import { planRetention } from '../../src/s3/restorable';

const RUNS = 1200;
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);
const START = Date.UTC(2016, 0, 1);
/** What the README documents: a name may be up to 15 h ahead of the clock. */
const TOLERANCE = 15 * HOUR;
const ZONES = ['UTC', 'Europe/Berlin', 'America/Sao_Paulo', 'Australia/Lord_Howe', 'Pacific/Chatham'] as const;
const RULES = ['daily', 'weekly', 'monthly', 'yearly'] as const;
type Rule = (typeof RULES)[number];

// ---- The reference calendar: offsets from Intl's zone name, then UTC arithmetic. ----

const offsetFormats = new Map<string, Intl.DateTimeFormat>();
/** The zone's UTC offset at an instant, in ms, from a name like `GMT+12:45` (`GMT` alone is 0). */
function offsetAt(time: number, zone: string): number {
  let f = offsetFormats.get(zone);
  if (!f) offsetFormats.set(zone, (f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })));
  const name = f.formatToParts(new Date(time)).find((p) => p.type === 'timeZoneName')!.value;
  const m = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name);
  if (!m) throw new Error(`unexpected offset name ${name}`);
  return m[1] === undefined ? 0 : (m[1] === '-' ? -1 : 1) * (Number(m[2]) * HOUR + Number(m[3]) * 60_000);
}

/** Days since the epoch of the local calendar date of an instant. */
function localDay(time: number, zone: string): number {
  return Math.floor((time + offsetAt(time, zone)) / DAY);
}

const two = (n: number) => String(n).padStart(2, '0');

/** The reference buckets: day, ISO week, month, year, as strings that sort as the calendar does. */
function referenceBuckets(time: number, zone: string): Record<Rule, string> {
  const day = localDay(time, zone);
  const date = new Date(day * DAY);
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth() + 1;
  // ISO week: the Monday of this week, the week-year of its Thursday, and Mondays counted from the Monday of the week of 4 January.
  const monday = day - ((date.getUTCDay() + 6) % 7);
  const weekYear = new Date((monday + 3) * DAY).getUTCFullYear();
  const jan4 = Date.UTC(weekYear, 0, 4) / DAY;
  const firstMonday = jan4 - ((new Date(jan4 * DAY).getUTCDay() + 6) % 7);
  const week = (monday - firstMonday) / 7 + 1;
  return { daily: `${y}-${two(m)}-${two(date.getUTCDate())}`, weekly: `${weekYear}-W${two(week)}`, monthly: `${y}-${two(m)}`, yearly: String(y) };
}

/** Days (as UTC midnights) on which a zone's offset changes, over the years drawn: listings are thick around them. */
const CHANGES: number[] = (() => {
  const out = new Set<number>();
  for (const zone of ZONES) {
    let before = offsetAt(START, zone);
    for (let t = START + DAY; t <= NOW + DAY; t += DAY) {
      const after = offsetAt(t, zone);
      if (after !== before) out.add(Math.floor(t / DAY) * DAY - DAY);
      before = after;
    }
  }
  return [...out].sort((a, b) => a - b);
})();

// ---- What is drawn. ----

interface Drawn {
  /** The name's time (whole seconds, read as UTC, as the image writes it in a pod without TZ). */
  readonly named: number;
  readonly lastModified: number;
  readonly size: number;
  readonly encrypted: boolean;
  /** A proof of s3 verify bound to this object, a stale one (the archive replaced), or none. */
  readonly proof: 'match' | 'stale' | 'none';
  /** Listed somewhere else (beside or below the prefix): never an archive of this prefix. */
  readonly outside: boolean;
}

function stamp(time: number): string {
  const iso = new Date(time).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

const timeArb = fc.oneof(
  // Anywhere in ten years.
  { weight: 3, arbitrary: fc.integer({ min: START, max: NOW }) },
  // Within two days of a clock change of one of the zones.
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...CHANGES), fc.integer({ min: -2 * DAY, max: 2 * DAY })).map(([d, off]) => Math.min(d + off, NOW)) },
  // The last weeks (daily and weekly rules bite here), around year ends (week 53, week 1 in December).
  { weight: 3, arbitrary: fc.integer({ min: NOW - 40 * DAY, max: NOW }) },
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 2016, max: 2025 }), fc.integer({ min: -4 * DAY, max: 4 * DAY })).map(([y, off]) => Date.UTC(y + 1, 0, 1) + off) },
  // Several backups a day: a few days, some of them days of a clock change.
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(NOW - DAY, NOW - 2 * DAY, NOW - 9 * DAY, ...CHANGES.slice(-6)), fc.integer({ min: 0, max: DAY })).map(([d, off]) => Math.min(Math.floor(d / DAY) * DAY + off, NOW)) },
  // Just ahead of the clock, within and beyond the tolerance.
  { weight: 1, arbitrary: fc.integer({ min: NOW, max: NOW + 2 * TOLERANCE }) },
);

const drawnArb: fc.Arbitrary<Drawn> = fc
  .record({
    time: timeArb,
    skew: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 3 * HOUR }) }, { weight: 1, arbitrary: fc.integer({ min: -20 * HOUR, max: 20 * HOUR }) }, { weight: 1, arbitrary: fc.integer({ min: -400 * DAY, max: 400 * DAY }) }),
    size: fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 1, max: 1_000_000 }) }, { weight: 1, arbitrary: fc.constant(0) }),
    encrypted: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    proof: fc.oneof({ weight: 8, arbitrary: fc.constant('match' as const) }, { weight: 3, arbitrary: fc.constant('none' as const) }, { weight: 1, arbitrary: fc.constant('stale' as const) }),
    outside: fc.integer({ min: 0, max: 30 }).map((n) => n === 0),
  })
  .map(({ time, skew, size, encrypted, proof, outside }) => {
    const named = Math.floor(time / 1000) * 1000;
    return { named, lastModified: Math.floor(Math.min(named + skew, NOW) / 1000) * 1000, size, encrypted, proof: size === 0 ? 'none' : proof, outside };
  });

const scenarioArb = fc.record({
  prefix: fc.constantFrom('infrahub/', '', 'a/b/'),
  objects: fc.oneof(fc.array(drawnArb, { maxLength: 8 }), fc.array(drawnArb, { maxLength: 60, size: 'max' })),
  zone: fc.constantFrom(...ZONES),
  keepLast: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined, freq: 3 }),
  keepDays: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined, freq: 3 }),
  keepDaily: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined, freq: 4 }),
  keepWeekly: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined, freq: 4 }),
  keepMonthly: fc.option(fc.integer({ min: 0, max: 14 }), { nil: undefined, freq: 4 }),
  keepYearly: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined, freq: 4 }),
});

// ---- The reference model of the rules. ----

/** When a backup happened: the older of its name and its upload; a name after now says nothing. */
function referenceTime(a: Archive): number {
  const named = a.createdAt.getTime();
  const uploaded = a.lastModified!.getTime();
  return named > NOW ? uploaded : Math.min(named, uploaded);
}

/** What --keep-days measures: the later of name and upload, or the upload when they disagree by more than the tolerance. */
function referenceAge(a: Archive): number {
  const named = a.createdAt.getTime();
  const uploaded = a.lastModified!.getTime();
  return Math.abs(named - uploaded) > TOLERANCE ? uploaded : Math.max(named, uploaded);
}

interface Reference {
  readonly kept: Set<string>;
  /** Per archive key, the calendar rules that keep it. */
  readonly byRule: Map<string, Set<Rule>>;
}

function reference(archives: Archive[], isProven: (a: Archive) => boolean, s: { keepLast: number; keepDays?: number; counts: Record<Rule, number>; zone: string }): Reference {
  const ordered = [...archives].sort(compareNewestFirst);
  const future = (a: Archive) => a.createdAt.getTime() > NOW + TOLERANCE;
  const kept = new Set<string>();
  // Named in the future: kept, counted by nothing.
  for (const a of ordered) if (future(a)) kept.add(a.key);
  // --keep-last: newest first, everything until the keepLast-th proven archive, that one included.
  let seen = 0;
  for (const a of ordered.filter((x) => !future(x))) {
    if (seen >= s.keepLast) break;
    kept.add(a.key);
    if (isProven(a)) seen++;
  }
  // The most recent upload (of several in one second, the newest by name).
  const top = Math.max(...ordered.map((a) => a.lastModified!.getTime()));
  const latest = ordered.find((a) => a.lastModified!.getTime() === top);
  if (latest) kept.add(latest.key);
  if (s.keepDays !== undefined) for (const a of ordered) if (referenceAge(a) > NOW - s.keepDays * DAY) kept.add(a.key);
  // The calendar rules: per rule, the newest proven archive of each of the N newest buckets.
  const byRule = new Map<string, Set<Rule>>();
  const eligible = ordered.filter((a) => isProven(a) && !future(a));
  for (const rule of RULES) {
    const n = s.counts[rule];
    if (n === 0) continue;
    const newestOf = new Map<string, Archive>();
    for (const a of eligible) {
      const bucket = referenceBuckets(referenceTime(a), s.zone)[rule];
      if (!newestOf.has(bucket)) newestOf.set(bucket, a);
    }
    for (const bucket of [...newestOf.keys()].sort().reverse().slice(0, n)) {
      const a = newestOf.get(bucket)!;
      kept.add(a.key);
      byRule.set(a.key, new Set([...(byRule.get(a.key) ?? []), rule]));
    }
  }
  // Without a proven archive nothing is deleted.
  if (!ordered.some((a) => isProven(a) && !future(a))) for (const a of ordered) kept.add(a.key);
  return { kept, byRule };
}

test('the reference calendar agrees with known dates', () => {
  // 2026-12-31T23:30Z is already 1 January 2027 in Chatham (+13:45), still 2026 in UTC; both in ISO week 2026-W53.
  expect(referenceBuckets(Date.UTC(2026, 11, 31, 23, 30), 'Pacific/Chatham')).toEqual({ daily: '2027-01-01', weekly: '2026-W53', monthly: '2027-01', yearly: '2027' });
  expect(referenceBuckets(Date.UTC(2026, 11, 31, 23, 30), 'UTC')).toEqual({ daily: '2026-12-31', weekly: '2026-W53', monthly: '2026-12', yearly: '2026' });
  // 29 December 2025 (a Monday) is in ISO week 1 of 2026; 3 January 2021 (a Sunday) in week 53 of 2020.
  expect(referenceBuckets(Date.UTC(2025, 11, 29, 12), 'UTC').weekly).toBe('2026-W01');
  expect(referenceBuckets(Date.UTC(2021, 0, 3, 12), 'UTC').weekly).toBe('2020-W53');
  // Lord Howe at +11 in summer, +10:30 in winter: 13:15Z on 31 March 2026 (summer) is 00:15 on 1 April.
  expect(referenceBuckets(Date.UTC(2026, 2, 31, 13, 15), 'Australia/Lord_Howe').daily).toBe('2026-04-01');
  // Sao Paulo's midnight skipped on 5 November 2017 (00:00 became 01:00, -02): 02:30Z is 00:30 on 5 November.
  expect(referenceBuckets(Date.UTC(2017, 10, 5, 2, 30), 'America/Sao_Paulo').daily).toBe('2017-11-05');
  expect(referenceBuckets(Date.UTC(2017, 10, 5, 2, 59), 'America/Sao_Paulo').daily).toBe('2017-11-05');
  expect(referenceBuckets(Date.UTC(2017, 10, 5, 1, 59), 'America/Sao_Paulo').daily).toBe('2017-11-04');
  // The product's calendar says the same of these dates.
  for (const [time, zone] of [
    [Date.UTC(2026, 11, 31, 23, 30), 'Pacific/Chatham'],
    [Date.UTC(2026, 11, 31, 23, 30), 'UTC'],
    [Date.UTC(2026, 2, 31, 13, 15), 'Australia/Lord_Howe'],
    [Date.UTC(2017, 10, 5, 2, 30), 'America/Sao_Paulo'],
    [Date.UTC(2026, 2, 29, 0, 59, 59), 'Europe/Berlin'],
    [Date.UTC(2026, 9, 24, 22, 0), 'Europe/Berlin'],
  ] as const) {
    expect(bucketsOf(time, zone)).toEqual(referenceBuckets(time, zone));
  }
  expect(isoWeek(2027, 1, 3)).toEqual({ year: 2026, week: 53 });
  expect(CHANGES.length).toBeGreaterThan(50);
});

test(`calendar retention over ${RUNS} random listings`, () => {
  const drew = {
    listings: 0,
    archives: 0,
    deleted: 0,
    withCalendarKeeps: 0,
    keptOnlyByCalendar: 0,
    withUnproven: 0,
    withStale: 0,
    withEncrypted: 0,
    withFuture: 0,
    withoutProven: 0,
    withSharedDay: 0,
    acrossDstChange: 0,
    withoutKeepLast: 0,
    zones: {} as Record<string, number>,
  };
  fc.assert(
    fc.property(scenarioArb, ({ prefix, objects, zone, keepLast, keepDays, keepDaily, keepWeekly, keepMonthly, keepYearly }) => {
      // One object per key (a .tar.gz and a .tar.gz.enc of one second are two keys).
      const byKey = new Map<string, Drawn>();
      for (const o of objects) {
        const key = `${o.outside ? 'elsewhere/' : prefix}infrahub_backup_${stamp(o.named)}.tar.gz${o.encrypted ? '.enc' : ''}`;
        if (!byKey.has(key)) byKey.set(key, o);
      }
      const archives: Archive[] = [];
      const proofs: Proof[] = [];
      let index = 0;
      for (const [key, o] of byKey) {
        const etag = `"e${index++}"`;
        const archive = archiveOf(key, prefix, o.size, new Date(o.lastModified), etag);
        // Outside the prefix, the listing never shows it (and nothing may touch it).
        if (archive === undefined) continue;
        archives.push(archive);
        const marker = o.proof === 'none' ? undefined : proofKey(prefix, archive, o.proof === 'stale' ? o.size + 1 : o.size, etag);
        if (marker !== undefined) proofs.push(proofOf(marker, prefix, new Date(NOW - DAY))!);
      }
      const isProven = (a: Archive) => {
        const o = byKey.get(a.key)!;
        return !o.encrypted && o.proof === 'match' && o.size > 0;
      };
      const counts = { daily: keepDaily ?? 0, weekly: keepWeekly ?? 0, monthly: keepMonthly ?? 0, yearly: keepYearly ?? 0 };
      // The CLI's rule: without --keep-last, a calendar rule keeps at least the newest proven archive (as --keep-last 1).
      const effectiveLast = keepLast ?? 1;
      const plan = planRetention(archives, proofs, { keepLast: effectiveLast, keepDays, keepDaily, keepWeekly, keepMonthly, keepYearly, timeZone: zone }, new Date(NOW));
      const ref = reference(archives, isProven, { keepLast: effectiveLast, keepDays, counts, zone });

      const keptByPlan = new Set(plan.entries.filter((e) => e.action === 'keep').map((e) => e.archive.key));
      const deleted = plan.entries.filter((e) => e.action === 'delete').map((e) => e.archive.key);
      // Every archive is in the plan once.
      expect(plan.entries.map((e) => e.archive.key).sort()).toEqual(archives.map((a) => a.key).sort());
      // Exactly what the reference keeps.
      expect([...keptByPlan].sort()).toEqual([...ref.kept].sort());
      // The reasons name exactly the calendar rules that keep each archive.
      for (const e of plan.entries) {
        const named = new Set(RULES.filter((r) => e.reason.includes(`--keep-${r} `)));
        expect([e.archive.key, [...named]]).toEqual([e.archive.key, [...(ref.byRule.get(e.archive.key) ?? [])].sort((a, b) => RULES.indexOf(a) - RULES.indexOf(b))]);
      }
      // Invariants.
      const ordered = [...archives].sort(compareNewestFirst);
      const provenNow = ordered.filter((a) => isProven(a) && a.createdAt.getTime() <= NOW + TOLERANCE);
      if (provenNow.length > 0) expect(keptByPlan.has(provenNow[0].key)).toBe(true);
      else expect(deleted).toEqual([]);
      if (archives.length > 0) {
        const top = Math.max(...archives.map((a) => a.lastModified!.getTime()));
        expect(archives.some((a) => a.lastModified!.getTime() === top && keptByPlan.has(a.key))).toBe(true);
      }
      for (const key of deleted) {
        expect(key.startsWith(prefix) && !key.slice(prefix.length).includes('/') && archiveOf(key, prefix) !== undefined).toBe(true);
      }

      drew.listings++;
      drew.archives += archives.length;
      drew.deleted += deleted.length;
      drew.zones[zone] = (drew.zones[zone] ?? 0) + 1;
      if (ref.byRule.size > 0) drew.withCalendarKeeps++;
      if (plan.entries.some((e) => e.action === 'keep' && RULES.some((r) => e.reason.startsWith(`--keep-${r} `)))) drew.keptOnlyByCalendar++;
      if (archives.some((a) => !isProven(a))) drew.withUnproven++;
      if ([...byKey.values()].some((o) => o.proof === 'stale')) drew.withStale++;
      if (archives.some((a) => a.encrypted)) drew.withEncrypted++;
      if (archives.some((a) => a.createdAt.getTime() > NOW + TOLERANCE)) drew.withFuture++;
      if (archives.length > 0 && provenNow.length === 0) drew.withoutProven++;
      const days = provenNow.map((a) => referenceBuckets(referenceTime(a), zone).daily);
      if (new Set(days).size < days.length) drew.withSharedDay++;
      if (zone !== 'UTC' && new Set(provenNow.map((a) => offsetAt(referenceTime(a), zone))).size > 1 && deleted.length > 0) drew.acrossDstChange++;
      if (keepLast === undefined) drew.withoutKeepLast++;
    }),
    { numRuns: RUNS, seed: 20261207 },
  );
  process.stdout.write(`calendar retention property: ${JSON.stringify(drew)}\n`);
  expect(drew.listings).toBeGreaterThanOrEqual(1000);
  const { listings: _l, archives: _a, deleted: _d, zones, ...situations } = drew;
  for (const [name, count] of Object.entries(situations)) expect([name, count > 20]).toEqual([name, true]);
  for (const zone of ZONES) expect([zone, (zones[zone] ?? 0) > 100]).toEqual([zone, true]);
});
