#!/usr/bin/env node
/**
 * Hostile archives for `s3 verify`, built byte by byte (so names, types and
 * links are exactly as written, with no library tidying them): used by
 * test/s3/verify-corpus.test.ts and scripts/bench-verify.js.
 *
 *   node scripts/verify-corpus.js child KIND MODULE
 * runs checkArchive (from MODULE: lib/s3/archive-check.js, or the TypeScript
 * source under `node -r tsx/cjs`) on the archive KIND (`entries`: 1,000,000
 * empty files, CORPUS_ENTRIES; `tiny`: as many one-byte files under
 * non-canonical names; `long`: as many empty files with
 * 4,000-byte names; `bomb`: 16 GiB of zeros, CORPUS_BOMB_GIB),
 * streamed from a second process (`gen KIND`) that generates it as it is read,
 * and prints one JSON line: the verdict, the wall time and the peak resident
 * memory of the checking process.
 */
const { createHash } = require('crypto');
const { Readable } = require('stream');
const { createGzip, gzipSync } = require('zlib');

const BLOCK = 512;
const TYPE = {
  file: '0',
  link: '1',
  symlink: '2',
  'character-device': '3',
  'block-device': '4',
  directory: '5',
  fifo: '6',
  'pax-header': 'x',
  'pax-global-header': 'g',
  'gnu-long-path': 'L',
  'gnu-long-link-path': 'K',
};

function octal(value, width) {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** One ustar header. */
function header(name, { size = 0, type = 'file', linkname = '', mode } = {}) {
  const block = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(name) > 100) throw new Error(`name too long for this builder: ${name}`);
  block.write(name, 0, 100, 'utf8');
  block.write(octal(mode ?? (type === 'directory' ? 0o755 : 0o644), 8), 100, 'latin1');
  block.write(octal(1000, 8), 108, 'latin1');
  block.write(octal(1000, 8), 116, 'latin1');
  block.write(octal(size, 12), 124, 'latin1');
  block.write(octal(Math.floor(Date.UTC(2026, 0, 2, 3, 4, 5) / 1000), 12), 136, 'latin1');
  block.write('        ', 148, 'latin1');
  block.write(TYPE[type], 156, 'latin1');
  block.write(linkname, 157, 100, 'utf8');
  block.write('ustar\0', 257, 'latin1');
  block.write('00', 263, 'latin1');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

/** An entry: its header, its content padded to whole blocks. */
function entry(name, content = undefined, options = {}) {
  const data = content === undefined ? Buffer.alloc(0) : Buffer.isBuffer(content) ? content : Buffer.from(content);
  const padding = (BLOCK - (data.length % BLOCK)) % BLOCK;
  return Buffer.concat([header(name, { ...options, size: data.length }), data, Buffer.alloc(padding)]);
}

/** The end of an archive: two zero blocks. */
const END = Buffer.alloc(2 * BLOCK);

function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}

/** The metadata the image writes, with checksums of `files` (paths relative to backup/), as JSON text. */
function metadata(files) {
  return JSON.stringify(metadataFor(files));
}

/** The metadata the image writes, as an object. */
function metadataFor(files, backupId = 'infrahub_backup_20260102_030405') {
  return {
    metadata_version: 2025111200,
    backup_id: backupId,
    created_at: '2026-01-02T03:04:05Z',
    tool_version: 'v1.5.0',
    infrahub_version: '1.6.2',
    components: ['database', 'task-manager-db'],
    checksums: Object.fromEntries(Object.entries(files).map(([path, content]) => [path, sha256(content)])),
    neo4j_edition: 'community',
    redacted: false,
    encrypted: false,
  };
}

/**
 * An archive in the image's layout: the metadata of `files` (and of `listed`,
 * which are not in the archive), the files, then `extra` entries (Buffers from
 * entry()); `names` rewrites every name of the layout.
 */
function archive(files, extra = [], { names = (n) => n, listed = {} } = {}) {
  const parts = [entry(names('backup/'), undefined, { type: 'directory' }), entry(names('backup/backup_information.json'), metadata({ ...files, ...listed }))];
  for (const [path, content] of Object.entries(files)) parts.push(entry(names(`backup/${path}`), content));
  return gzipSync(Buffer.concat([...parts, ...extra, END]));
}

/** A pax extended header giving the next entry the path `name` (of any length). */
function paxPath(name) {
  const body = ` path=${name}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length++;
  return entry('PaxHeaders/x', `${length}${body}`, { type: 'pax-header' });
}

/**
 * A gzip stream of a tar with `count` empty files, generated as it is read;
 * `tiny`: one-byte files under non-canonical names (`./backup//many/N`), so
 * each is hashed and each name normalised; `long`: empty files with names of
 * 4,000 bytes (pax headers), each under PATH_MAX.
 */
function manyEntries(count, { tiny = false, long = false } = {}) {
  let i = 0;
  const DATA = Buffer.alloc(BLOCK, 0x78);
  const LONG = 'x'.repeat(4000 - 22);
  const source = new Readable({
    read() {
      const blocks = [];
      for (let n = 0; n < (long ? 128 : 2048) && i < count; n++, i++) {
        if (tiny) blocks.push(header(`./backup//many/${String(i).padStart(8, '0')}`, { size: 1 }), DATA);
        else if (long) blocks.push(paxPath(`backup/many/${String(i).padStart(8, '0')}/${LONG}`), header('backup/many/x'));
        else blocks.push(header(`backup/many/${String(i).padStart(8, '0')}`));
      }
      if (blocks.length > 0) this.push(Buffer.concat(blocks));
      if (i >= count) {
        this.push(END);
        this.push(null);
      }
    },
  });
  return source.pipe(createGzip({ level: 1 }));
}

/**
 * A gzip bomb: a tar holding one file of `bytes` zeros, in gzip members (one
 * compressed 8 MiB block of zeros repeated), so building it costs one block.
 * Tiny compressed, huge expanded.
 */
function gzipBomb(bytes) {
  const block = 8 * 1024 * 1024;
  if (bytes % block !== 0) throw new Error('the bomb is a whole number of 8 MiB blocks');
  const zeros = gzipSync(Buffer.alloc(block), { level: 9 });
  const members = [gzipSync(Buffer.concat([entry('backup/', undefined, { type: 'directory' }), entry('backup/backup_information.json', metadata({})), header('backup/database/neo4j.dump', { size: bytes })]))];
  for (let i = 0; i < bytes / block; i++) members.push(zeros);
  members.push(gzipSync(END));
  return Buffer.concat(members);
}

module.exports = { header, entry, paxPath, END, archive, metadata, metadataFor, sha256, manyEntries, gzipBomb };

// `gen KIND`: writes the archive KIND to stdout (the child reads it from another process, so its memory is verify's alone).
if (require.main === module && process.argv[2] === 'gen') {
  const kind = process.argv[3];
  const ENTRIES = Number(process.env.CORPUS_ENTRIES ?? 1_000_000);
  const BOMB_BYTES = Number(process.env.CORPUS_BOMB_GIB ?? 16) * 1024 * 1024 * 1024;
  const source = kind === 'bomb' ? Readable.from([gzipBomb(BOMB_BYTES)]) : manyEntries(ENTRIES, { tiny: kind === 'tiny', long: kind === 'long' });
  source.pipe(process.stdout);
  process.stdout.on('error', () => process.exit(0));
}

// `child KIND MODULE`: checkArchive on the archive KIND, generated by another process, measured.
if (require.main === module && process.argv[2] === 'child') {
  const [, , , kind, modulePath] = process.argv;
  const { spawn } = require('child_process');
  const { checkArchive } = require(require('path').resolve(modulePath));
  const peakRssKiB = () => {
    try {
      return Number(/VmHWM:\s+(\d+) kB/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]);
    } catch {
      return process.resourceUsage().maxRSS;
    }
  };
  const started = process.hrtime.bigint();
  const generator = spawn(process.execPath, [__filename, 'gen', kind], { stdio: ['ignore', 'pipe', 'inherit'] });
  checkArchive(generator.stdout)
    .then(
      (report) => ({ verdict: report.problems.length === 0 ? 'pass' : 'fail', lines: report.problems, warnings: report.warnings.length }),
      (e) => ({ verdict: 'fail', lines: [e.message] }),
    )
    .then((result) => {
      generator.kill();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      process.stdout.write(`${JSON.stringify({ kind, ...result, seconds, peakRssKiB: peakRssKiB() })}\n`);
    });
}
