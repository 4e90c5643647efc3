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

/**
 * One ustar header. `flag` sets the typeflag byte as is (over `type`);
 * `magic`: 'ustar' (the default), 'gnu' ("ustar  \0") or 'v7' (none);
 * `prefix` fills the USTAR prefix field; `raw` writes more bytes at given
 * offsets ({ 476: 'xyz' }) before the checksum is computed.
 */
function header(name, { size = 0, type = 'file', linkname = '', mode, flag, magic = 'ustar', prefix = '', raw = {} } = {}) {
  const block = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(name) > 100) throw new Error(`name too long for this builder: ${name}`);
  block.write(name, 0, 100, 'utf8');
  block.write(prefix, 345, 155, 'utf8');
  block.write(octal(mode ?? (type === 'directory' ? 0o755 : 0o644), 8), 100, 'latin1');
  block.write(octal(1000, 8), 108, 'latin1');
  block.write(octal(1000, 8), 116, 'latin1');
  block.write(octal(size, 12), 124, 'latin1');
  block.write(octal(Math.floor(Date.UTC(2026, 0, 2, 3, 4, 5) / 1000), 12), 136, 'latin1');
  block.write('        ', 148, 'latin1');
  block.write(flag ?? TYPE[type], 156, 'latin1');
  block.write(linkname, 157, 100, 'utf8');
  if (magic === 'ustar') block.write('ustar\u000000', 257, 'latin1');
  if (magic === 'gnu') block.write('ustar  \0', 257, 'latin1');
  for (const [offset, text] of Object.entries(raw)) block.write(text, Number(offset), 'latin1');
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
    components: 'prefect.dump' in files ? ['database', 'task-manager-db'] : ['database'],
    checksums: Object.fromEntries(Object.entries(files).map(([path, content]) => [path, sha256(content)])),
    neo4j_edition: 'community',
    redacted: false,
    encrypted: false,
  };
}

/**
 * An archive in the image's layout: the metadata of `files` (and of `listed`,
 * which are not in the archive; or the text `metadataText`), `before` entries,
 * the files, then `extra` entries (Buffers from entry()); `names` rewrites
 * every name of the layout; `options[path]` are header options of a file.
 */
function archive(files, extra = [], options = {}) {
  return gzipSync(tarOf(files, extra, options));
}

/** The tar of archive(), not compressed. */
function tarOf(files, extra = [], { names = (n) => n, listed = {}, before = [], metadataText, options = {} } = {}) {
  const parts = [entry(names('backup/'), undefined, { type: 'directory' }), entry(names('backup/backup_information.json'), metadataText ?? metadata({ ...files, ...listed }))];
  parts.push(...before);
  for (const [path, content] of Object.entries(files)) parts.push(entry(names(`backup/${path}`), content, options[path]));
  return Buffer.concat([...parts, ...extra, END]);
}

/** PAX extended header data holding `records` ({ key: value }, in order). */
function paxData(records) {
  return Object.entries(records)
    .map(([key, value]) => {
      const body = ` ${key}=${value}\n`;
      let length = Buffer.byteLength(body) + 1;
      while (String(length).length + Buffer.byteLength(body) !== length) length++;
      return `${length}${body}`;
    })
    .join('');
}

/** A pax extended header with `records`. */
function pax(records) {
  return entry('PaxHeaders/x', paxData(records), { type: 'pax-header' });
}

/** A pax extended header giving the next entry the path `name` (of any length). */
function paxPath(name) {
  return pax({ path: name });
}

/**
 * The hostile archives of issue 17, each a good backup (`files`) plus one
 * trick, by name: `substitution` ones make a reader that is not Go's
 * archive/tar see the good dump and metadata while the image extracts the
 * attacker's, whose checksums pass; `unrestorable` ones read as a good backup
 * to such a reader while the image's restore fails on them.
 */
function hostileArchives(files) {
  const dump = 'database/neo4j.dump';
  const attackerDump = Buffer.alloc(files[dump].length, 0x41);
  // The attacker's metadata, at least as long as the good one (the image's extractor writes over a file without truncating it).
  const good = metadata(files);
  let evil = metadata({ ...files, [dump]: attackerDump });
  evil += ' '.repeat(Math.max(0, good.length - evil.length));
  const attacker = [entry('backup/backup_information.json', evil), entry(`backup/${dump}`, attackerDump)];
  const attackerTar = Buffer.concat(attacker);
  // A GNU sparse file (format 1.0) of one data block: a map block ("1 entry: offset 0, length n"), then the data.
  const sparse = (name, decoy, content) => {
    const map = `1\n0\n${content.length}\n`;
    return [
      pax({ 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0', 'GNU.sparse.name': name, 'GNU.sparse.realsize': String(content.length), path: decoy }),
      entry('backup/GNUSparseFile.0/x', Buffer.concat([Buffer.from(map), Buffer.alloc(BLOCK - map.length), Buffer.from(content)])),
    ];
  };
  const upper = Object.fromEntries(Object.entries(metadataFor(files).checksums).map(([k, v]) => [k, v.toUpperCase()]));
  const wrong = { ...metadataFor(files).checksums, [dump]: sha256('not this') };
  const goodJson = JSON.stringify(metadataFor(files));
  return {
    substitution: {
      // Old GNU 'N': Go returns it as an entry (which the image skips); tar-stream and others take its data for the next name.
      'old-gnu-N': archive(files, [
        entry('././@LongLink', 'backup/decoy-metadata\0', { flag: 'N' }),
        attacker[0],
        entry('././@LongLink', 'backup/decoy-dump\0', { flag: 'N' }),
        attacker[1],
      ]),
      // GNU.sparse.name (sparse format 1.0): Go names the entry with it; others use the PAX path.
      'pax-gnu-sparse-name': archive(files, [
        ...sparse('backup/backup_information.json', 'backup/decoy-metadata', evil),
        ...sparse(`backup/${dump}`, 'backup/decoy.dump', attackerDump),
      ]),
      // A NUL typeflag with a trailing slash: Go makes it a folder and reads its data as the next headers.
      'nul-typeflag-slash': archive(files, [entry('backup/decoy/', attackerTar, { flag: '\0' })]),
      // GNU magic with a non-numeric access time: Go then reads the prefix field (where the access time is) as part of the name.
      'gnu-atime-prefix': archive(files, [
        entry('backup_information.json', evil, { magic: 'gnu', prefix: 'backup' }),
        entry('neo4j.dump', attackerDump, { magic: 'gnu', prefix: 'backup/database' }),
      ]),
    },
    unrestorable: {
      'typeflag-7': archive(files, [], { options: { [dump]: { flag: '7' } } }),
      'typeflag-8': archive(files, [], { options: { [dump]: { flag: '8' } } }),
      'uppercase-hex': archive(files, [], { metadataText: JSON.stringify({ ...metadataFor(files), checksums: upper }) }),
      'second-Checksums-key': archive(files, [], { metadataText: `${goodJson.slice(0, -1)},"Checksums":${JSON.stringify(wrong)}}` }),
      'listed-at-root': gzipSync(
        Buffer.concat([entry('backup/', undefined, { type: 'directory' }), entry('backup/backup_information.json', good), ...Object.entries(files).map(([p, c]) => entry(p, c)), END]),
      ),
      'file-shadows-folder': archive(files, [], { before: [entry('backup/database', 'a file where the folder goes')] }),
      'pax-size-3abc': archive(files, [pax({ size: '3abc' }), entry('backup/extra.bin', 'abc')]),
      'star-trailer': archive(files, [], { options: { [dump]: { raw: { 476: 'xyz', 508: 'tar\0' } } } }),
    },
  };
}

/**
 * `header(name, options)` for many names with the same options: the header
 * without a name is built once, and each call copies it, writes the name and
 * adds the name's bytes to its checksum (the same bytes as header()).
 */
function headerMaker(options) {
  const template = header('', options);
  let base = 0;
  for (let i = 0; i < BLOCK; i++) base += i >= 148 && i < 156 ? 0x20 : template[i];
  return (name) => {
    if (Buffer.byteLength(name) > 100) throw new Error(`name too long for this builder: ${name}`);
    const block = Buffer.from(template);
    const length = block.write(name, 0, 100, 'utf8');
    let sum = base;
    for (let i = 0; i < length; i++) sum += block[i];
    block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    return block;
  };
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
  // One header per entry, built from a template (headerMaker) rather than anew.
  const oneByte = headerMaker({ size: 1 });
  const empty = headerMaker({});
  const source = new Readable({
    read() {
      const blocks = [];
      for (let n = 0; n < (long ? 128 : 2048) && i < count; n++, i++) {
        if (tiny) blocks.push(oneByte(`./backup//many/${String(i).padStart(8, '0')}`), DATA);
        else if (long) blocks.push(paxPath(`backup/many/${String(i).padStart(8, '0')}/${LONG}`), empty('backup/many/x'));
        else blocks.push(empty(`backup/many/${String(i).padStart(8, '0')}`));
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

/**
 * A tar.gz of PAX headers, each of `paxBytes` (a `key` record of that length,
 * then an empty file), until the archive is `compressedBytes` long. One byte in
 * `randomEvery` is random, so the archive expands less than the gzip-bomb bound.
 */
function paxFlood(compressedBytes, { paxBytes = 4 * 1024 * 1024 - 1024, randomEvery = 40, key = 'path' } = {}) {
  const { randomFillSync } = require('crypto');
  const value = Buffer.alloc(paxBytes - 40, 0x78);
  const noise = Buffer.alloc(Math.ceil(value.length / randomEvery));
  const gzip = require('zlib').createGzip({ level: 6 });
  const chunks = [];
  gzip.on('data', (c) => chunks.push(c));
  let out = 0;
  gzip.on('data', (c) => (out += c.length));
  const head = Buffer.concat([entry('backup/', undefined, { type: 'directory' }), entry('backup/backup_information.json', metadata({}))]);
  gzip.write(head);
  let i = 0;
  return new Promise((resolve) => {
    const more = () => {
      while (out < compressedBytes) {
        randomFillSync(noise);
        for (let j = 0; j < noise.length; j++) value[j * randomEvery] = 0x61 + (noise[j] % 26);
        const data = Buffer.from(`${paxBytes} ${key}=backup/${String(i).padStart(8, '0')}/`);
        const record = Buffer.concat([data, value]);
        const body = Buffer.concat([record, Buffer.alloc(Math.max(0, paxBytes - record.length - 1), 0x79), Buffer.from('\n')]).subarray(0, paxBytes);
        body[paxBytes - 1] = 0x0a;
        const padding = Buffer.alloc((BLOCK - (paxBytes % BLOCK)) % BLOCK);
        const ok = gzip.write(Buffer.concat([header('PaxHeaders/x', { size: paxBytes, type: 'pax-header' }), body, padding, header('backup/x')]));
        i++;
        if (!ok) return gzip.once('drain', more);
      }
      gzip.end(END, () => undefined);
    };
    gzip.on('end', () => resolve(Buffer.concat(chunks)));
    more();
  });
}

/** A small tar.gz whose backup_information.json is `bytes` of `[{},{},…]` (the image's metadata is a few hundred bytes). */
function metadataFlood(bytes, { key } = {}) {
  const items = Math.floor((bytes - 2 - (key ? key.length + 5 : 0)) / 3);
  const array = `[${'{},'.repeat(items - 1)}{}]`;
  const text = key ? `{"${key}":${array}}` : array;
  return gzipSync(Buffer.concat([entry('backup/', undefined, { type: 'directory' }), entry('backup/backup_information.json', text), END]), { level: 9 });
}

module.exports = {
  paxFlood,
  metadataFlood, header, entry, pax, paxData, paxPath, END, archive, tarOf, metadata, metadataFor, sha256, manyEntries, gzipBomb, hostileArchives };

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
