/**
 * Differential test of `s3 verify` against the backup image's own restore:
 * the same archives go through verify and through test/support/image-restore.go
 * (Go's archive/tar with the image's extractor and path rules, then its
 * encoding/json metadata and checksum validation). The invariant: whenever
 * verify says "verified", the image extracts the same files with the same
 * bytes, reads the same checksums, and its checks pass. Every archive the Go
 * side refuses, or extracts differently, verify refuses.
 *
 * The archives: the hostile corpus of scripts/verify-corpus.js (through the
 * CLI against s3rver), then archives drawn by fast-check as random mutations of
 * a good archive's headers (typeflags, names, sizes, PAX records, GNU, STAR and
 * V7 magic, prefixes, modes, duplicates, trailers) and of its metadata (key
 * case, duplicate keys, types, hex case, listings), checked in process. What
 * was drawn is counted and printed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { execFileSync } from 'child_process';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { Readable } from 'stream';
import { gzipSync } from 'zlib';
import { S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { ArchiveReadError, ArchiveReport, checkArchive } from '../../src/s3/archive-check';
import { describeWithGo, requireGoProgram } from '../support/go';
import { BUCKET, TestServer, noise, put, run, s3Env, scratchFolder, testClient, useS3Server } from './support';

const corpus = require('../../scripts/verify-corpus.js') as {
  header(name: string, options?: Record<string, unknown>): Buffer;
  entry(name: string, content?: Buffer | string, options?: Record<string, unknown>): Buffer;
  pax(records: Record<string, string>): Buffer;
  archive(files: Record<string, Buffer | string>, extra?: Buffer[], options?: Record<string, unknown>): Buffer;
  metadataFor(files: Record<string, Buffer | string>): Record<string, unknown> & { checksums: Record<string, string> };
  paxPath(name: string): Buffer;
  hostileArchives(files: Record<string, Buffer>): { substitution: Record<string, Buffer>; unrestorable: Record<string, Buffer> };
  END: Buffer;
};

jest.setTimeout(300_000);

const ORACLE = { name: 'image-restore', source: readFileSync(join(__dirname, '..', 'support', 'image-restore.go'), 'utf8') };
/** The image's writer (test/support/image-backup.go): what it writes must be verified. */
const WRITER = { name: 'image-backup', source: readFileSync(join(__dirname, '..', 'support', 'image-backup.go'), 'utf8') };

interface GoResult {
  readonly archive: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly files: Record<string, string>;
  readonly checksums: Record<string, string> | null;
}

/** What verify made of an archive: verified (with its report), or refused (with its first line). */
type Verdict = { readonly verified: true; readonly report: ArchiveReport } | { readonly verified: false; readonly line: string };

async function verdictOf(data: Buffer): Promise<Verdict> {
  try {
    const report = await checkArchive(Readable.from([data]), { expectedSize: data.length });
    return report.problems.length === 0 ? { verified: true, report } : { verified: false, line: report.problems[0] };
  } catch (e) {
    if (e instanceof ArchiveReadError) return { verified: false, line: e.message };
    throw e;
  }
}

/** The disagreement, if any, between a verified archive and what the image makes of it. */
function disagreement(go: GoResult, report: ArchiveReport): string | undefined {
  if (!go.ok) return `verify says verified, the image fails: ${go.error}`;
  const goFiles = { ...go.files };
  delete goFiles['backup/backup_information.json'];
  const verifyFiles = Object.fromEntries(report.files.map((f) => [f.path, f.sha256]));
  if (JSON.stringify(Object.entries(goFiles).sort()) !== JSON.stringify(Object.entries(verifyFiles).sort())) {
    return `the image extracts other files: ${JSON.stringify(goFiles)}, verify read ${JSON.stringify(verifyFiles)}`;
  }
  const checksums = (report.metadata?.checksums ?? null) as Record<string, string> | null;
  if (JSON.stringify(Object.entries(go.checksums ?? {}).sort()) !== JSON.stringify(Object.entries(checksums ?? {}).sort())) {
    return `the image reads other checksums: ${JSON.stringify(go.checksums)}, verify read ${JSON.stringify(checksums)}`;
  }
  return undefined;
}

/** Runs the Go side over many archives at once (one process), in the order given. */
function goSide(binary: string, archives: readonly Buffer[]): GoResult[] {
  // The archives, and the folder the image's restore extracts each one into (its TMPDIR), in memory where there is room.
  const dir = scratchFolder('verify-differential-', 512 * 1024 * 1024);
  try {
    const paths = archives.map((data, i) => {
      const path = join(dir, `${i}.tar.gz`);
      writeFileSync(path, data);
      return path;
    });
    const results: GoResult[] = [];
    // In batches, to keep each argument list short.
    for (let i = 0; i < paths.length; i += 200) {
      const out = execFileSync(binary, paths.slice(i, i + 200), { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, TMPDIR: dirname(dir) } });
      results.push(...out.trim().split('\n').map((l) => JSON.parse(l) as GoResult));
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const DUMP = noise(2500, 'neo4j');
const PREFECT = noise(700, 'prefect');
const FILES = { 'database/neo4j.dump': DUMP, 'prefect.dump': PREFECT };

// ---- The generator: a good archive as entry specs, then mutations. ----

interface EntrySpec {
  name: string;
  flag: string;
  content: Buffer;
  mode?: number;
  magic?: 'ustar' | 'gnu' | 'v7';
  prefix?: string;
  raw?: Record<number, string>;
  pax?: Array<Record<string, string>>;
}

interface ArchiveSpec {
  entries: EntrySpec[];
  metadata: string;
  end: 'two' | 'one' | 'none' | 'padding' | 'garbage';
}

function goodSpec(): ArchiveSpec {
  return {
    entries: [
      { name: 'backup/', flag: '5', content: Buffer.alloc(0) },
      { name: 'backup/backup_information.json', flag: '0', content: Buffer.alloc(0) },
      { name: 'backup/database/', flag: '5', content: Buffer.alloc(0) },
      { name: 'backup/database/neo4j.dump', flag: '0', content: DUMP },
      { name: 'backup/prefect.dump', flag: '0', content: PREFECT },
    ],
    metadata: JSON.stringify(corpus.metadataFor(FILES), null, 4),
    end: 'two',
  };
}

function build(spec: ArchiveSpec): Buffer {
  const parts: Buffer[] = [];
  for (const e of spec.entries) {
    for (const records of e.pax ?? []) parts.push(corpus.pax(records));
    const content = e.name === 'backup/backup_information.json' && e.flag === '0' && e.content.length === 0 ? Buffer.from(spec.metadata) : e.content;
    parts.push(corpus.entry(e.name, content, { flag: e.flag, mode: e.mode ?? (e.flag === '5' ? 0o755 : 0o644), magic: e.magic, prefix: e.prefix, raw: e.raw }));
  }
  if (spec.end === 'two' || spec.end === 'padding' || spec.end === 'garbage') parts.push(corpus.END);
  if (spec.end === 'one') parts.push(Buffer.alloc(512));
  if (spec.end === 'padding') parts.push(Buffer.alloc(10240 - (Buffer.concat(parts).length % 10240)));
  if (spec.end === 'garbage') parts.push(corpus.entry('backup/prefect.dump', 'evil'));
  return gzipSync(Buffer.concat(parts));
}

const NAMES = [
  'backup/database/neo4j.dump',
  'backup/prefect.dump',
  'backup/backup_information.json',
  './backup/database/neo4j.dump',
  'backup//prefect.dump',
  'backup/prefect.dump/',
  'backup/database',
  'backup',
  'database/neo4j.dump',
  'prefect.dump',
  '/backup/prefect.dump',
  '../backup/prefect.dump',
  'backup/../backup/prefect.dump',
  'backup/x/../prefect.dump',
  '',
  '.',
  './',
  'backup/database/neo4j.dump/x',
  'backup/decoy',
];
const FLAGS = ['0', '5', '\0', '1', '2', '3', '4', '6', '7', '8', 'g', 'x', 'L', 'K', 'N', 'S', 'V', 'A', 'Z'];

type Mutation =
  | { kind: 'typeflag'; at: number; flag: string }
  | { kind: 'name'; at: number; name: string }
  | { kind: 'size'; at: number; field: string }
  | { kind: 'pax'; at: number; records: Record<string, string> }
  | { kind: 'magic'; at: number; magic: 'gnu' | 'v7' | 'star' | 'version' | 'gnu-atime' }
  | { kind: 'prefix'; at: number; prefix: string }
  | { kind: 'mode'; at: number; mode: number }
  | { kind: 'duplicate'; at: number; altered: boolean; name: string }
  | { kind: 'drop'; at: number }
  | { kind: 'metadata'; how: string }
  | { kind: 'end'; end: ArchiveSpec['end'] };

const at = fc.nat({ max: 4 });
const sizeText = fc.constantFrom('3abc', '+5', '-1', '0', '1', '511', '512', '99999', '00000000003', '1e3', ' 12', '');
const paxRecords = fc.dictionary(
  fc.constantFrom('path', 'size', 'linkpath', 'mtime', 'uname', 'GNU.sparse.name', 'GNU.sparse.major', 'GNU.sparse.minor', 'GNU.sparse.realsize', 'SCHILY.xattr.user.x', 'comment', 'uid'),
  fc.oneof(fc.constantFrom(...NAMES.filter((n) => n !== '')), sizeText, fc.constantFrom('1', '0', '1700000000.5', 'x')),
  { minKeys: 1, maxKeys: 3 },
);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('typeflag' as const), at, flag: fc.constantFrom(...FLAGS) }),
  fc.record({ kind: fc.constant('name' as const), at, name: fc.constantFrom(...NAMES) }),
  fc.record({ kind: fc.constant('size' as const), at, field: sizeText }),
  fc.record({ kind: fc.constant('pax' as const), at, records: paxRecords }),
  fc.record({ kind: fc.constant('magic' as const), at, magic: fc.constantFrom('gnu' as const, 'v7' as const, 'star' as const, 'version' as const, 'gnu-atime' as const) }),
  fc.record({ kind: fc.constant('prefix' as const), at, prefix: fc.constantFrom('backup', 'backup/database', 'x', '..') }),
  fc.record({ kind: fc.constant('mode' as const), at, mode: fc.constantFrom(0, 0o200, 0o400, 0o4755, 0o777) }),
  fc.record({ kind: fc.constant('duplicate' as const), at, altered: fc.boolean(), name: fc.constantFrom(...NAMES) }),
  fc.record({ kind: fc.constant('drop' as const), at }),
  fc.record({
    kind: fc.constant('metadata' as const),
    how: fc.constantFrom(
      'uppercase',
      'Checksums',
      'CHECKSUMS',
      'checkſums',
      'second-Checksums',
      'dup-inner',
      'version-string',
      'version-float',
      'redacted-string',
      'components-string',
      'no-prefect-checksum',
      'root-path',
      'dot-path',
      'null',
      'array',
      'bom',
      'lone-surrogate',
      'extra-field',
      'no-checksums',
    ),
  }),
  fc.record({ kind: fc.constant('end' as const), end: fc.constantFrom('one' as const, 'none' as const, 'padding' as const, 'garbage' as const) }),
);

function mutateMetadata(how: string): string {
  const m = corpus.metadataFor(FILES);
  const sums = m.checksums;
  const text = JSON.stringify(m);
  switch (how) {
    case 'uppercase':
      return JSON.stringify({ ...m, checksums: { ...sums, 'prefect.dump': sums['prefect.dump'].toUpperCase() } });
    case 'Checksums':
    case 'CHECKSUMS':
    case 'checkſums':
      return text.replace('"checksums"', JSON.stringify(how));
    case 'second-Checksums':
      return `${text.slice(0, -1)},"Checksums":{"prefect.dump":"${'0'.repeat(64)}"}}`;
    case 'dup-inner':
      return text.replace('"prefect.dump":', `"prefect.dump":"${'0'.repeat(64)}","prefect.dump":`);
    case 'version-string':
      return JSON.stringify({ ...m, metadata_version: '2025111200' });
    case 'version-float':
      return text.replace(/"metadata_version":\d+/, '"metadata_version":2025111200.0');
    case 'redacted-string':
      return JSON.stringify({ ...m, redacted: 'no' });
    case 'components-string':
      return JSON.stringify({ ...m, components: 'database' });
    case 'no-prefect-checksum':
      return JSON.stringify({ ...m, checksums: { 'database/neo4j.dump': sums['database/neo4j.dump'] } });
    case 'root-path':
      return JSON.stringify({ ...m, checksums: { ...sums, '../backup/prefect.dump': sums['prefect.dump'] } });
    case 'dot-path':
      return JSON.stringify({ ...m, checksums: { ...sums, './prefect.dump': sums['prefect.dump'] } });
    case 'null':
      return 'null';
    case 'array':
      return `[${text}]`;
    case 'bom':
      return `\ufeff${text}`;
    case 'lone-surrogate':
      return JSON.stringify({ ...m, backup_id: 'x' }).replace('"backup_id":"x"', '"backup_id":"\\ud800"');
    case 'extra-field':
      return JSON.stringify({ ...m, extra: [{}, {}, { a: [1, 2] }] });
    case 'no-checksums':
      return JSON.stringify({ ...m, checksums: undefined });
    default:
      throw new Error(how);
  }
}

function apply(spec: ArchiveSpec, m: Mutation): void {
  const entries = spec.entries;
  if (m.kind === 'metadata') {
    spec.metadata = mutateMetadata(m.how);
    return;
  }
  if (m.kind === 'end') {
    spec.end = m.end;
    return;
  }
  if (entries.length === 0) return;
  const e = entries[m.at % entries.length];
  switch (m.kind) {
    case 'typeflag':
      e.flag = m.flag;
      break;
    case 'name':
      if (e.name === 'backup/backup_information.json' && e.content.length === 0) e.content = Buffer.from(spec.metadata);
      e.name = m.name;
      break;
    case 'size':
      e.raw = { ...e.raw, 124: `${m.field}\0`.padEnd(12, '\0').slice(0, 12) };
      break;
    case 'pax':
      e.pax = [...(e.pax ?? []), m.records];
      break;
    case 'magic':
      if (m.magic === 'gnu') e.magic = 'gnu';
      else if (m.magic === 'v7') e.magic = 'v7';
      else if (m.magic === 'gnu-atime') {
        e.magic = 'gnu';
        e.prefix = 'backup';
      } else if (m.magic === 'star') e.raw = { ...e.raw, 508: 'tar\0' };
      else e.raw = { ...e.raw, 263: '  ' };
      break;
    case 'prefix':
      e.prefix = m.prefix;
      break;
    case 'mode':
      e.mode = m.mode;
      break;
    case 'duplicate': {
      const content = e.name === 'backup/backup_information.json' && e.content.length === 0 ? Buffer.from(spec.metadata) : e.content;
      entries.push({ ...e, name: m.name, content: m.altered ? Buffer.concat([content, Buffer.from('!')]) : content });
      break;
    }
    case 'drop':
      entries.splice(m.at % entries.length, 1);
      break;
  }
}

/** One drawn archive: its mutations (for the message) and its bytes. */
const drawnArchive = fc.array(mutation, { minLength: 1, maxLength: 4 }).map((mutations) => {
  const spec = goodSpec();
  for (const m of mutations) apply(spec, m);
  return { mutations, data: build(spec) };
});

describeWithGo("verify agrees with the backup image's restore (Go's archive/tar and encoding/json)", ORACLE, (binary) => {
  const s3 = useS3Server([BUCKET]);
  let server: TestServer;
  let client: S3Client;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    server = s3();
    client = testClient(server.endpoint);
    env = s3Env(server.endpoint);
  });

  afterAll(() => {
    client?.destroy();
  });

  test.each([
    ['a Neo4j dump and prefect.dump', ['database/neo4j.dump=5000', 'prefect.dump=700'], {}],
    ['without the task manager', ['database/neo4j.dump=3000'], {}],
    ['a path split into the USTAR prefix and name', [`database/${'d'.repeat(120)}/neo4j.dump=1000`, 'prefect.dump=10'], {}],
    ['paths in PAX records (over 256 bytes, not ASCII)', [`database/${'x'.repeat(150)}/${'y'.repeat(150)}.dump=2000`, 'database/données/neo4j.dump=10', 'prefect.dump=10'], {}],
    ['an owner past 7 octal digits (PAX uid and gid)', ['database/neo4j.dump=4000', 'prefect.dump=10'], { IMAGE_BACKUP_UID: '1000680000' }],
    ['empty files and many of them', [...Array.from({ length: 40 }, (_, i) => `database/store/${i}.db=${i % 3 === 0 ? 0 : 600 + i}`), 'prefect.dump=0'], {}],
  ])('an archive the image writes (Go\'s tar.Writer, as infrahub-backup does): %s, is verified and restores the same', async (_label, files, extraEnv) => {
    const writer = requireGoProgram(WRITER.name, WRITER.source);
    const dir = mkdtempSync(join(tmpdir(), 'image-backup-'));
    try {
      const path = join(dir, 'infrahub_backup_20260102_030405.tar.gz');
      execFileSync(writer, [path, ...files], { env: { ...process.env, ...extraEnv } });
      const data = readFileSync(path);
      const [go] = goSide(binary(), [data]);
      expect(go).toMatchObject({ ok: true });
      const verdict = await verdictOf(data);
      expect(verdict).toMatchObject({ verified: true });
      if (verdict.verified) {
        expect(disagreement(go, verdict.report)).toBeUndefined();
        expect(verdict.report.verifiedFiles).toBe(files.length);
        expect(verdict.report.warnings).toEqual([]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the Go side: a good archive restores; the corpus substitutions extract the attacker\'s dump with passing checksums, the rest fail', () => {
    const hostile = corpus.hostileArchives(FILES);
    const names = [...Object.keys(hostile.substitution), ...Object.keys(hostile.unrestorable)];
    const results = goSide(binary(), [corpus.archive(FILES), ...Object.values(hostile.substitution), ...Object.values(hostile.unrestorable)]);
    expect(results[0]).toMatchObject({ ok: true });
    const substituted = results.slice(1, 5);
    for (const r of substituted) {
      expect(r.ok).toBe(true);
      expect(r.files['backup/database/neo4j.dump']).not.toBe(results[0].files['backup/database/neo4j.dump']);
    }
    results.slice(5).forEach((r, i) => expect([names[4 + i], r.ok]).toEqual([names[4 + i], false]));
  });

  test('the corpus through `s3 verify` against s3rver: whatever the image fails on or extracts differently, verify refuses', async () => {
    const hostile = corpus.hostileArchives(FILES);
    const ALTERED = Buffer.from(DUMP).fill(0x41, 0, 100);
    const archives: Array<[string, Buffer]> = [
      ['good', corpus.archive(FILES)],
      ['good, non-canonical names', corpus.archive(FILES, [], { names: (n: string) => `./${n.replace('/', '//')}` })],
      ...Object.entries(hostile.substitution),
      ...Object.entries(hostile.unrestorable),
      ...['backup/./database/neo4j.dump', './backup/database/neo4j.dump', 'backup/database//neo4j.dump/', 'backup/database/../database/neo4j.dump'].map(
        (name): [string, Buffer] => [`altered copy ${name}`, corpus.archive(FILES, [corpus.entry(name, ALTERED)])],
      ),
      ['symlink', corpus.archive(FILES, [corpus.entry('backup/database/data', undefined, { type: 'symlink', linkname: '/etc' })])],
      ['second archive', corpus.archive(FILES, [Buffer.alloc(1024), corpus.entry('backup/database/neo4j.dump', ALTERED)])],
      ['GNU long name', corpus.archive(FILES, [corpus.entry('././@LongLink', 'backup/decoy\0', { type: 'gnu-long-path' }), corpus.paxPath('backup/database/other.dump'), corpus.entry('a', 'x')])],
    ];
    const results = goSide(
      binary(),
      archives.map(([, data]) => data),
    );
    let verified = 0;
    for (const [i, [label, data]] of archives.entries()) {
      const key = `differential/${i}/infrahub_backup_20260102_030405.tar.gz`;
      await put(client, key, data);
      const cli = await run(env, 'verify', '--uri', `s3://${BUCKET}/${key}`, '--json');
      const go = results[i];
      if (cli.code === 0) {
        verified++;
        const report = JSON.parse(cli.stdout) as ArchiveReport;
        expect([label, disagreement(go, report)]).toEqual([label, undefined]);
      } else {
        expect([label, cli.code, cli.stdout]).toEqual([label, 1, '']);
      }
    }
    process.stdout.write(`differential corpus: ${archives.length} archives, ${verified} verified, ${results.filter((r) => r.ok).length} restorable by the image\n`);
    expect(verified).toBe(2);
  });

  test('drawn archives (random header and metadata mutations of a good one): verify verifies only what the image restores identically', async () => {
    const RUNS = 1500;
    const drawn = fc.sample(drawnArchive, { numRuns: RUNS, seed: 20261207 });
    const results = goSide(
      binary(),
      drawn.map((d) => d.data),
    );
    const counts: Record<string, number> = {};
    const count = (key: string) => (counts[key] = (counts[key] ?? 0) + 1);
    const outcome = { verified: 0, refused: 0, goRestores: 0, goRestoresRefused: 0, goFails: 0 };
    const failures: string[] = [];
    for (const [i, { mutations, data }] of drawn.entries()) {
      for (const m of mutations) count(m.kind === 'metadata' ? `metadata:${m.how}` : m.kind);
      const go = results[i];
      const verdict = await verdictOf(data);
      if (go.ok) outcome.goRestores++;
      else outcome.goFails++;
      if (verdict.verified) {
        outcome.verified++;
        const problem = disagreement(go, verdict.report);
        if (problem !== undefined) failures.push(`${JSON.stringify(mutations)}: ${problem}`);
      } else {
        outcome.refused++;
        if (go.ok) {
          outcome.goRestoresRefused++;
          if (process.env.DIFFERENTIAL_STRICTER) process.stdout.write(`stricter: ${JSON.stringify(mutations)} -> ${verdict.line}\n`);
        }
      }
    }
    const kinds = Object.entries(counts)
      .sort()
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    process.stdout.write(`differential drawn: ${RUNS} archives; mutations drawn: ${kinds}\n`);
    process.stdout.write(
      `differential drawn: verify verified ${outcome.verified} and refused ${outcome.refused}; the image restores ${outcome.goRestores} (${outcome.goRestoresRefused} of them refused by verify, stricter) and fails on ${outcome.goFails}\n`,
    );
    expect(failures.slice(0, 5)).toEqual([]);
    expect(drawn).toHaveLength(RUNS);
    // The generator reaches both sides of the invariant, and every kind of mutation.
    expect(outcome.verified).toBeGreaterThan(50);
    expect(outcome.goFails).toBeGreaterThan(100);
    for (const kind of ['typeflag', 'name', 'size', 'pax', 'magic', 'prefix', 'mode', 'duplicate', 'drop', 'end']) expect(counts[kind]).toBeGreaterThan(30);
  });
});
