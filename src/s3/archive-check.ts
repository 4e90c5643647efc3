/**
 * Checks a backup archive as it streams by: gunzip, then tar, then SHA-256 of
 * each file, in archive order, without writing anything to disk and without
 * holding more than one chunk of any file (only the small
 * backup/backup_information.json is kept whole). Memory stays flat whatever the
 * archive's size: at most MAX_ENTRIES entries are read, and an archive that
 * expands more than MAX_EXPANSION times is refused as a gzip bomb.
 *
 * Strict: entry names are normalised (POSIX normalize: `./`, `//` and `/./`
 * go) before they are matched with the checksums, and an archive fails, with
 * one line naming the entry, for an absolute path, a `..` segment, two entries
 * with the same normalised path (a second, altered copy that `tar -x` would
 * write over the checked one), a link, a device or a fifo.
 *
 * The image writes `backup/backup_information.json` whose `checksums` map paths
 * relative to `backup/` (e.g. `database/neo4j.dump`, `prefect.dump`) to SHA-256
 * hex digests. The metadata may come before or after the files it lists: every
 * file's digest is computed as it passes, and the comparison happens at the end.
 */
import { createHash } from 'crypto';
import { posix } from 'path';
import { Readable, Transform, TransformCallback } from 'stream';
import { pipeline } from 'stream/promises';
import { createGunzip } from 'zlib';
import * as tar from 'tar-stream';
import { formatBytes } from './archives';

export const METADATA_PATH = 'backup/backup_information.json';
/** backup_information.json is a few KiB; anything past this is not one. */
export const METADATA_MAX_BYTES = 16 * 1024 * 1024;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
/** The SHA-256 of no bytes: the digest of every empty file, computed once. */
const EMPTY_SHA256 = createHash('sha256').digest();
/** A name normalisePath would change: empty, `.` or `..` segments, `//`, or a trailing `/`. */
const NON_CANONICAL = /^$|(^|\/)\.\.?(\/|$)|\/\/|.\/$/;
/** An archive the image writes has a handful of entries; more than this is refused (and reading stops). */
export const MAX_ENTRIES = 100_000;
/** A longer entry name is a problem: Linux's PATH_MAX, so tar -x could not write it. */
export const MAX_NAME_BYTES = 4096;
/**
 * The names kept while reading (to find duplicates and match the checksums)
 * add up to at most this many bytes; past it the archive is refused. Without
 * it, long names (pax headers allow megabytes each) kept for up to
 * MAX_ENTRIES entries would be gigabytes.
 */
export const MAX_KEPT_NAME_BYTES = 8 * 1024 * 1024;
/** Warning lines reported; the rest are counted in one more line. */
export const MAX_WARNING_LINES = 20;
/** Problem lines reported; the rest are counted in one more line. */
export const MAX_PROBLEM_LINES = 20;
/** The image's archives hold compressed dumps: one that expands more than this many times (past EXPANSION_FLOOR_BYTES) is a gzip bomb. */
export const MAX_EXPANSION = 100;
export const EXPANSION_FLOOR_BYTES = 64 * 1024 * 1024;
/**
 * The size of gunzip's output buffers. Each is a new ArrayBuffer outside the
 * V8 heap, freed only by a collection, and V8 starts one for outside memory
 * alone after about 64 MiB of it: with 256 KiB buffers and the little garbage
 * per chunk that makes, the whole EXPANSION_FLOOR_BYTES of a gzip bomb was
 * still resident when it was refused (~120 MiB peak on Node 24). 64 KiB chunks
 * let the young-generation collections free them as they go, for a small cost
 * in throughput.
 */
const GUNZIP_CHUNK_BYTES = 64 * 1024;

/** The archive cannot be read as a tar.gz (truncated, corrupt, encrypted, not gzip, download failed). */
export class ArchiveReadError extends Error {}

export interface ArchiveFile {
  /** The path in the archive (leading `./` removed). */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export interface ArchiveReport {
  /** backup_information.json, parsed; undefined if absent or unreadable. */
  readonly metadata: Record<string, unknown> | undefined;
  /** The regular files, in archive order (without their contents). */
  readonly files: ArchiveFile[];
  /** Why the archive fails verification (empty: it passes). */
  readonly problems: string[];
  /** Things worth knowing that do not fail it. */
  readonly warnings: string[];
  /** Listed files whose digest matched. */
  readonly verifiedFiles: number;
  readonly verifiedBytes: number;
  /** Bytes read from the source (compressed). */
  readonly compressedBytes: number;
  /** Whether reading stopped once the metadata was found (stopAfterMetadata). */
  readonly partial: boolean;
}

export interface CheckOptions {
  /** The object's size, when known: a source that ends early is reported as a cut download. */
  readonly expectedSize?: number;
  /** Stop (and destroy the source) as soon as backup_information.json has been read. */
  readonly stopAfterMetadata?: boolean;
  /** Describes a failure of the source (a download that stopped) in one line; default: its message. */
  readonly describeSource?: (error: unknown) => string;
}

/** A path as tar -x would write it, relative to the extraction folder: `./backup//x/./y/` is `backup/x/y`; the root is `.`. */
export function normalisePath(name: string): string {
  // Most names are canonical already: keep the string as it is (posix.normalize would build a new one out of slices, for every entry).
  if (!NON_CANONICAL.test(name)) return name;
  const normal = posix.normalize(name);
  return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
}

/** Why an entry name cannot be extracted safely (absolute, or with a `..` segment); undefined if it can. */
export function unsafePath(name: string): string | undefined {
  if (name.startsWith('/')) return 'an absolute path';
  if (name.split('/').includes('..')) return 'a path with ".." (it would be written outside the extraction folder)';
  if (name.includes('\0')) return 'a path with a NUL byte';
  return undefined;
}

/** An entry name for messages: quoted, control characters escaped, at most 200 characters. */
export function entryLabel(name: string): string {
  const quoted = JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}…` : name);
  return quoted;
}

/**
 * The files read so far, in archive order, for up to MAX_ENTRIES of them: a
 * path string each, and their sizes and SHA-256 digests in two arrays that
 * double as they fill. No object per file: records that outlive a
 * young-generation collection make V8 grow the young generation, up to 32 MiB
 * more resident memory on Node 24 for 100,000 small records.
 */
class FileTable {
  readonly paths: string[] = [];
  private sizes = new Float64Array(1024);
  private digests = Buffer.alloc(1024 * 32);

  /** Adds a file; returns its index. */
  add(path: string, size: number, digest: Buffer): number {
    const index = this.paths.length;
    if (index === this.sizes.length) {
      const sizes = new Float64Array(index * 2);
      sizes.set(this.sizes);
      this.sizes = sizes;
      const digests = Buffer.alloc(index * 2 * 32);
      this.digests.copy(digests);
      this.digests = digests;
    }
    this.paths.push(path);
    this.sizes[index] = size;
    digest.copy(this.digests, index * 32);
    return index;
  }

  size(index: number): number {
    return this.sizes[index];
  }

  /** The SHA-256 of file `index`, lowercase hex. */
  sha256(index: number): string {
    return this.digests.toString('hex', index * 32, index * 32 + 32);
  }
}

/**
 * The names as written in the archive of the entries whose normalised path
 * differs, for messages: UTF-8 in one growing Buffer, not a string each (for
 * the same reason as FileTable).
 */
class RawNames {
  /** Normalised path -> where its name starts in `bytes` (a 4-byte length, then the name). */
  private readonly starts = new Map<string, number>();
  private bytes = Buffer.alloc(64 * 1024);
  private used = 0;

  set(path: string, raw: string): void {
    const length = Buffer.byteLength(raw);
    if (this.used + 4 + length > this.bytes.length) {
      const bytes = Buffer.alloc(Math.max(this.bytes.length * 2, this.used + 4 + length));
      this.bytes.copy(bytes, 0, 0, this.used);
      this.bytes = bytes;
    }
    this.starts.set(path, this.used);
    this.bytes.writeUInt32LE(length, this.used);
    this.bytes.write(raw, this.used + 4, 'utf8');
    this.used += 4 + length;
  }

  get(path: string): string | undefined {
    const start = this.starts.get(path);
    if (start === undefined) return undefined;
    return this.bytes.toString('utf8', start + 4, start + 4 + this.bytes.readUInt32LE(start));
  }
}

/** In the map of paths read: a folder. */
const FOLDER = -1;
/** In the map of paths read: backup_information.json. */
const METADATA = -2;

/** Keeps the first `max` lines, then counts the rest in one line. */
class CappedLines {
  readonly lines: string[] = [];
  private dropped = 0;
  constructor(
    private readonly max: number,
    private readonly what: string,
  ) {}
  push(line: string): void {
    if (this.lines.length < this.max) this.lines.push(line);
    else this.dropped++;
  }
  get count(): number {
    return this.lines.length + this.dropped;
  }
  done(): string[] {
    return this.dropped > 0 ? [...this.lines, `and ${this.dropped} more ${this.what}`] : [...this.lines];
  }
}

const ENTRY_KIND: Record<string, string> = {
  symlink: 'a symbolic link',
  link: 'a hard link',
  'character-device': 'a character device',
  'block-device': 'a block device',
  fifo: 'a fifo',
};

/** Counts bytes and remembers the first one, on the way to gunzip. */
class Meter extends Transform {
  bytes = 0;
  firstByte: number | undefined;
  constructor() {
    super({ highWaterMark: 256 * 1024 });
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.firstByte === undefined && chunk.length > 0) this.firstByte = chunk[0];
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}

/** tar-stream's limit on a PAX or GNU long-name header's data; past it, it fails the archive itself. */
const MAX_LONG_HEADER_BYTES = 4 * 1024 * 1024;
const BLOCK = 512;
const ZEROS = Buffer.alloc(16 * 1024);
const TYPE_GLOBAL_PAX = 0x67; // 'g'
const TYPE_PAX = 0x78; // 'x'
const TYPE_DIRECTORY = 0x35; // '5'
/** Typeflags the image never writes and that extractors read differently: refused. */
const AMBIGUOUS_TYPES: Record<number, string> = {
  [TYPE_GLOBAL_PAX]: 'a global PAX header',
  0x4c: 'a GNU long name', // 'L'
  0x4b: 'a GNU long link name', // 'K'
};

/** The size field of a tar header (octal, or base-256 when the high bit of its first byte is set); undefined if unreadable. */
function headerSize(header: Buffer): number | undefined {
  if (header[124] & 0x80) {
    if (header[124] & 0x40) return undefined; // negative
    let size = header[124] & 0x3f;
    for (let i = 125; i < 136; i++) size = size * 256 + header[i];
    return Number.isSafeInteger(size) ? size : undefined;
  }
  let i = 124;
  while (i < 136 && (header[i] === 0x20 || header[i] === 0)) i++;
  let size = 0;
  for (; i < 136 && header[i] !== 0x20 && header[i] !== 0; i++) {
    if (header[i] < 0x30 || header[i] > 0x37) return undefined;
    size = size * 8 + header[i] - 0x30;
  }
  return size;
}

/** The `size` record of PAX extended header data, if any (records are "<length> <key>=<value>\n"). */
function paxSize(data: Buffer): number | undefined {
  let size: number | undefined;
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const length = Number(data.toString('latin1', at, space));
    if (!Number.isSafeInteger(length) || length <= 0 || at + length > data.length) break;
    const record = data.toString('latin1', space + 1, at + length - 1);
    // Read as tar-stream reads it (parseInt): the walk must find the headers where it does.
    if (record.startsWith('size=')) size = parseInt(record.slice(5), 10);
    at += length;
  }
  return size !== undefined && Number.isSafeInteger(size) && size >= 0 ? size : undefined;
}

/**
 * Walks the tar stream's 512-byte blocks as they pass, beside tar-stream,
 * keeping only the header being read (and the data of a PAX header, as small
 * as tar-stream allows). It finds what tar-stream reads past or folds in
 * silently: the end of the archive (the first all-zero header block, where GNU
 * tar, Python and Go stop, while tar-stream reads on into a second archive),
 * any data after it, and the header kinds extractors disagree on.
 */
class TarBlocks {
  /** Offset in the tar stream of the next byte written. */
  private offset = 0;
  /** Offset of the next header block. */
  private next = 0;
  private readonly header = Buffer.alloc(BLOCK);
  private filled = 0;
  /** Offset of the first all-zero header block: the end of the archive. */
  private end: number | undefined;
  /** Nothing more to look at (a problem found, or a header tar-stream fails on itself). */
  private done = false;
  /** The data of the last PAX header, being read, and where it starts. */
  private pax: Buffer | undefined;
  private paxStart = 0;
  /** The size a PAX header gave the next entry. */
  private pendingSize: number | undefined;
  /** The line reporting data after the end, once found. */
  afterEnd: string | undefined;

  constructor(private readonly report: (line: string) => void) {}

  write(chunk: Buffer): void {
    const length = chunk.length;
    let i = 0;
    while (i < length && !this.done) {
      const at = this.offset + i;
      if (this.end !== undefined) {
        // Compared natively a ZEROS-long stretch at a time; byte by byte only in the stretch that differs.
        let j = i;
        while (j < length) {
          const stop = Math.min(length, j + ZEROS.length);
          if (chunk.compare(ZEROS, 0, stop - j, j, stop) !== 0) {
            while (chunk[j] === 0) j++;
            break;
          }
          j = stop;
        }
        if (j < length) {
          this.afterEnd = `data after the end of the tar archive (offset ${this.offset + j}): tar -x stops before it`;
          this.report(this.afterEnd);
          this.done = true;
        }
        break;
      }
      if (at < this.next) {
        const skip = Math.min(this.next - at, length - i);
        if (this.pax !== undefined && at - this.paxStart < this.pax.length) {
          chunk.copy(this.pax, at - this.paxStart, i, Math.min(i + skip, i + this.pax.length - (at - this.paxStart)));
        }
        i += skip;
        continue;
      }
      const take = Math.min(BLOCK - this.filled, length - i);
      chunk.copy(this.header, this.filled, i, i + take);
      this.filled += take;
      i += take;
      if (this.filled === BLOCK) {
        this.filled = 0;
        this.onHeader(this.next);
      }
    }
    this.offset += length;
  }

  private onHeader(at: number): void {
    const header = this.header;
    if (this.pax !== undefined) {
      // A later PAX header replaces an earlier one, as in tar-stream.
      this.pendingSize = paxSize(this.pax);
      this.pax = undefined;
    }
    let zero = true;
    for (let i = 0; i < BLOCK; i++) {
      if (header[i] !== 0) {
        zero = false;
        break;
      }
    }
    if (zero) {
      this.end = at;
      return;
    }
    const type = header[156];
    const kind = AMBIGUOUS_TYPES[type];
    if (kind !== undefined) {
      this.report(`a header at offset ${at} is ${kind}: the backup image (Go's archive/tar) never writes one, and extractors read it differently`);
    }
    let size = headerSize(header);
    if (size === undefined) {
      this.done = true;
      return;
    }
    const long = kind !== undefined || type === TYPE_PAX;
    if (long) {
      if (size > MAX_LONG_HEADER_BYTES) {
        this.done = true;
        return;
      }
      if (type === TYPE_PAX) {
        this.pax = Buffer.alloc(size);
        this.paxStart = at + BLOCK;
      }
    } else {
      if (this.pendingSize !== undefined) size = this.pendingSize;
      this.pendingSize = undefined;
      // tar-stream reads no data for a folder (a folder with data then fails as a bad header).
      if (type === TYPE_DIRECTORY) size = 0;
    }
    this.next = at + BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}

/** An entry as tar-stream hands it over: its header, and a stream of its bytes. */
type Entry = { readonly header: tar.Header } & AsyncIterable<unknown>;

/**
 * Whether tar-stream feeds this entry's stream: it does not for an empty entry
 * or a folder (the stream is never written to, so there is nothing to read).
 */
function hasData(entry: Entry): boolean {
  return entry.header.size !== 0 && entry.header.type !== 'directory';
}

/** Reads an entry to its end without keeping its bytes; nothing to do for one without data. */
async function drain(entry: Entry): Promise<void> {
  if (!hasData(entry)) return;
  for await (const _chunk of entry) void _chunk;
}

/** Why reading stopped, as one line. */
function readFailure(
  meter: Meter,
  errors: { source?: unknown; gzip?: unknown; tar?: unknown },
  options: CheckOptions,
): string {
  const read = meter.bytes;
  const of = options.expectedSize !== undefined ? ` of ${formatBytes(options.expectedSize)}` : '';
  if (read === 0 && errors.source === undefined) return 'the object is empty: it is not a backup archive';
  if (meter.firstByte === 0x02) {
    return 'the archive is encrypted (made with --encrypt): its contents can only be checked after decryption with the private key';
  }
  if (meter.firstByte !== undefined && meter.firstByte !== 0x1f) {
    return `not a gzip file (it starts with byte 0x${meter.firstByte.toString(16).padStart(2, '0')}): it is not an archive the backup image wrote`;
  }
  if (errors.source !== undefined) {
    return `the download stopped after ${formatBytes(read)}${of}: ${options.describeSource ? options.describeSource(errors.source) : firstLine(errors.source)}`;
  }
  if (options.expectedSize !== undefined && read < options.expectedSize) {
    return `the download stopped after ${formatBytes(read)}${of}`;
  }
  if (errors.gzip !== undefined) {
    const message = firstLine(errors.gzip);
    if (/unexpected end of file/i.test(message)) {
      return `the archive is truncated: the gzip stream ends early, at ${formatBytes(read)}${
        options.expectedSize === read ? ', the whole object' : ''
      }; the upload was probably cut off`;
    }
    return `the archive is corrupt: gzip: ${message} (after ${formatBytes(read)}${of})`;
  }
  const message = firstLine(errors.tar);
  if (/unexpected end/i.test(message)) {
    return `the archive is truncated: the tar stream ends inside an entry (at ${formatBytes(read)}${of})`;
  }
  return `the archive is corrupt: tar: ${message} (after ${formatBytes(read)}${of})`;
}

/** Reads and checks an archive; throws ArchiveReadError if it cannot be read to the end. */
export async function checkArchive(source: Readable, options: CheckOptions = {}): Promise<ArchiveReport> {
  const meter = new Meter();
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
  const extract = tar.extract();
  const errors: { source?: unknown; gzip?: unknown; tar?: unknown } = {};
  // pipeline() destroys the streams before a failing one with its error, after the failing one has
  // emitted it: an error already seen downstream is not this stream's own.
  source.on('error', (e) => {
    if (e !== errors.gzip && e !== errors.tar) errors.source ??= e;
  });
  gunzip.on('error', (e) => {
    if (e !== errors.tar) errors.gzip ??= e;
  });
  extract.on('error', (e: unknown) => (errors.tar ??= e));

  /**
   * What is kept of each entry while reading is as small as it can be (see
   * FileTable); the ArchiveFile objects are made once the archive has been
   * read to its end.
   */
  const table = new FileTable();
  const warnings = new CappedLines(MAX_WARNING_LINES, 'warnings');
  const problems = new CappedLines(MAX_PROBLEM_LINES, 'problems');
  /** Normalised path -> the index of the file read there in `table`, or FOLDER, or METADATA. */
  const seen = new Map<string, number>();
  const rawNames = new RawNames();
  let metadataText: string | undefined;
  let metadataTooLarge = false;
  let stopped = false;
  let refused: string | undefined;
  let entries = 0;
  /** Bytes of the names kept so far (normalised paths, and the names as written when they differ). */
  let keptNameBytes = 0;

  // A gzip bomb: stop as soon as the expansion passes the bound. The output of
  // gunzip is counted as pipeline() hands it to tar (a listener, not one more stream stage).
  let expanded = 0;
  const blocks = new TarBlocks((line) => problems.push(line));
  const piping = pipeline(source, meter, gunzip, extract).then(
    () => undefined,
    (e: unknown) => e,
  );
  gunzip.on('data', (chunk: Buffer) => {
    expanded += chunk.length;
    blocks.write(chunk);
    if (refused === undefined && expanded > EXPANSION_FLOOR_BYTES && expanded > MAX_EXPANSION * meter.bytes) {
      refused = `the archive expands more than ${MAX_EXPANSION} times its compressed size (${formatBytes(expanded)} from ${formatBytes(meter.bytes)}): a gzip bomb, not an archive the backup image writes`;
      source.destroy();
      extract.destroy();
    }
  });
  let iterationError: unknown;
  try {
    for await (const entry of extract) {
      if (++entries > MAX_ENTRIES) {
        refused = `the archive has more than ${MAX_ENTRIES} entries: not an archive the backup image writes`;
        break;
      }
      const type = entry.header.type ?? 'file';
      const raw = entry.header.name;
      const path = normalisePath(raw);
      const isFile = type === 'file' || type === 'contiguous-file';
      const unsafe = unsafePath(raw);
      const nameBytes = Buffer.byteLength(raw);
      let problem: string | undefined;
      if (nameBytes > MAX_NAME_BYTES) problem = `a path of ${nameBytes} bytes, more than ${MAX_NAME_BYTES}: tar -x cannot write it`;
      else if (unsafe !== undefined) problem = unsafe;
      else if (ENTRY_KIND[type] !== undefined) problem = `${ENTRY_KIND[type]}${entry.header.linkname ? ` to ${entryLabel(entry.header.linkname)}` : ''}: an archive the backup image writes holds only folders and files`;
      else if (!isFile && type !== 'directory') problem = `an entry of type ${type}: an archive the backup image writes holds only folders and files`;
      else if (seen.has(path) && (isFile || seen.get(path) !== FOLDER)) {
        problem = `the same path as the earlier entry ${entryLabel(rawNames.get(path) ?? path)} (${path}): tar -x would write one over the other`;
      }
      if (problem !== undefined) problems.push(`entry ${entryLabel(raw)}: ${problem}`);
      const keeps = problem === undefined && (isFile || !seen.has(path));
      if (keeps && (keptNameBytes += Buffer.byteLength(path) + (raw !== path ? nameBytes : 0)) > MAX_KEPT_NAME_BYTES) {
        refused = `the archive's entry names add up to more than ${formatBytes(MAX_KEPT_NAME_BYTES)}: not an archive the backup image writes`;
        break;
      }
      if (!isFile || problem !== undefined) {
        if (type === 'directory' && problem === undefined && !seen.has(path)) {
          seen.set(path, FOLDER);
          if (raw !== path) rawNames.set(path, raw);
        }
        await drain(entry);
        continue;
      }
      if (raw !== path) rawNames.set(path, raw);
      if (path === METADATA_PATH) {
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of entry as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size <= METADATA_MAX_BYTES) chunks.push(chunk);
        }
        if (size > METADATA_MAX_BYTES) metadataTooLarge = true;
        else metadataText = Buffer.concat(chunks).toString('utf8');
        seen.set(path, METADATA);
        if (options.stopAfterMetadata) {
          stopped = true;
          break;
        }
        continue;
      }
      if (!hasData(entry)) {
        // No bytes to hash: no hash object, no iterator.
        seen.set(path, table.add(path, 0, EMPTY_SHA256));
        continue;
      }
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of entry as AsyncIterable<Buffer>) {
        hash.update(chunk);
        size += chunk.length;
      }
      seen.set(path, table.add(path, size, hash.digest()));
    }
  } catch (e) {
    iterationError = e;
  }
  if (refused !== undefined) {
    source.destroy();
    extract.destroy();
    await piping;
    throw new ArchiveReadError(refused);
  }
  if (stopped) {
    // Stop downloading: everything needed has been read.
    source.destroy();
    extract.destroy();
    await piping;
  } else {
    const pipeError = await piping;
    if (iterationError !== undefined || pipeError !== undefined || errors.source !== undefined || errors.gzip !== undefined || errors.tar !== undefined) {
      if (errors.source === undefined && errors.gzip === undefined && errors.tar === undefined) {
        errors.tar = iterationError ?? pipeError;
      }
      // tar-stream failed on what follows the end of the archive (not a header): that is the problem.
      if (errors.source === undefined && errors.gzip === undefined && blocks.afterEnd !== undefined) throw new ArchiveReadError(blocks.afterEnd);
      throw new ArchiveReadError(readFailure(meter, errors, options));
    }
    if (options.expectedSize !== undefined && meter.bytes < options.expectedSize) {
      throw new ArchiveReadError(readFailure(meter, errors, options));
    }
    if (meter.bytes === 0) throw new ArchiveReadError(readFailure(meter, errors, options));
  }

  // The metadata.
  let metadata: Record<string, unknown> | undefined;
  if (metadataTooLarge) {
    problems.push(`${METADATA_PATH} is larger than ${formatBytes(METADATA_MAX_BYTES)}: it is not the image's metadata`);
  } else if (metadataText === undefined) {
    problems.push(`${METADATA_PATH} is missing: this is not an archive the backup image wrote (or it was cut before the metadata)`);
  } else {
    try {
      const parsed: unknown = JSON.parse(metadataText);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        problems.push(`${METADATA_PATH} is not a JSON object`);
      } else {
        metadata = parsed as Record<string, unknown>;
      }
    } catch (e) {
      problems.push(`${METADATA_PATH} is not valid JSON: ${firstLine(e)}`);
    }
  }

  let verifiedFiles = 0;
  let verifiedBytes = 0;
  if (metadata !== undefined && !stopped) {
    const checksums = metadata.checksums;
    if (checksums === undefined || checksums === null) {
      problems.push(`${METADATA_PATH} has no checksums: nothing can be verified`);
    } else if (typeof checksums !== 'object' || Array.isArray(checksums)) {
      problems.push(`${METADATA_PATH}: checksums is not an object of path: SHA-256`);
    } else {
      const listedEntries = Object.entries(checksums as Record<string, unknown>);
      if (listedEntries.length === 0) problems.push(`${METADATA_PATH} lists no checksums: nothing can be verified`);
      const listed = new Map<string, string>();
      for (const [relative, expected] of listedEntries) {
        if (typeof expected !== 'string' || !SHA256_HEX.test(expected)) {
          problems.push(`${METADATA_PATH}: the checksum of ${entryLabel(relative)} is not a SHA-256 hex digest`);
          continue;
        }
        const unsafe = unsafePath(relative);
        if (unsafe !== undefined) {
          problems.push(`${METADATA_PATH}: the checksum of ${entryLabel(relative)} is for ${unsafe}`);
          continue;
        }
        // Paths are relative to backup/ in the image's archives; accept a path from the archive root too.
        const clean = normalisePath(relative);
        const candidates = [normalisePath(`backup/${clean}`), clean];
        const path = candidates.find((c) => (seen.get(c) ?? FOLDER) >= 0);
        const file = path !== undefined ? seen.get(path) : undefined;
        if (path === undefined || file === undefined) {
          problems.push(`${candidates[0]} is listed in ${METADATA_PATH} but missing from the archive`);
          continue;
        }
        if (listed.has(path)) {
          problems.push(`${METADATA_PATH} lists ${path} twice (as ${entryLabel(listed.get(path)!)} and ${entryLabel(relative)})`);
          continue;
        }
        listed.set(path, relative);
        const sha256 = table.sha256(file);
        if (sha256 !== expected.toLowerCase()) {
          problems.push(`checksum mismatch for ${path}: backup_information.json says ${expected.toLowerCase()}, the archive holds ${sha256}`);
          continue;
        }
        verifiedFiles++;
        verifiedBytes += table.size(file);
      }
      for (const path of table.paths) {
        if (!listed.has(path)) warnings.push(`${path} is in the archive but has no checksum in ${METADATA_PATH}`);
      }
    }
  }

  const files = table.paths.map((path, index): ArchiveFile => ({ path, size: table.size(index), sha256: table.sha256(index) }));
  return {
    metadata,
    files,
    problems: problems.done(),
    warnings: warnings.done(),
    verifiedFiles,
    verifiedBytes,
    compressedBytes: meter.bytes,
    partial: stopped,
  };
}
