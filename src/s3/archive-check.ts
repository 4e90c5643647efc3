/**
 * Checks a backup archive as it streams by: gunzip, then tar, then SHA-256 of
 * each file, in archive order, without writing anything to disk and without
 * holding more than one chunk of any file (only backup/backup_information.json,
 * at most METADATA_MAX_BYTES, is kept whole). Memory stays flat whatever the
 * archive: at most MAX_ENTRIES entries are read, names kept add up to at most
 * MAX_KEPT_NAME_BYTES, a PAX header is at most PAX_MAX_BYTES, and an archive
 * that expands more than MAX_EXPANSION times is refused as a gzip bomb.
 *
 * "Verified" means: the backup image's own restore (Go's archive/tar, its
 * extractor's path rules, then its checksum check of backup_information.json
 * read by Go's encoding/json) would extract the same entries and bytes and
 * pass. The tar headers are read as Go reads them, and whatever Go could read
 * differently, or the image never writes, is refused (go-tar.ts); the metadata
 * is decoded as Go decodes it (image-metadata.ts); and the checks after
 * extraction are the image's: every listed path is read under `backup/`, its
 * digest compared as lowercase hex text, `backup/prefect.dump` needs a
 * checksum, and the component `task-manager-db` needs `backup/prefect.dump`.
 *
 * Strict on paths: entry names are normalised (POSIX normalize: `./`, `//` and
 * `/./` go) before they are matched with the checksums, and an archive fails,
 * with one line naming the entry, for an absolute path, a `..` segment, two
 * entries with the same normalised path (the image's extractor writes the
 * second into the first without truncating it), a file where a folder is
 * needed (or a folder under a file), and a file its owner cannot read.
 *
 * The image writes `backup/backup_information.json` whose `checksums` map paths
 * relative to `backup/` (e.g. `database/neo4j.dump`, `prefect.dump`) to SHA-256
 * hex digests. The metadata may come before or after the files it lists: every
 * file's digest is computed as it passes, and the comparison happens at the end.
 */
import { Hash, createHash } from 'crypto';
import { posix } from 'path';
import { Readable, Transform, TransformCallback, Writable } from 'stream';
import { pipeline } from 'stream/promises';
import { setFlagsFromString } from 'v8';
import { runInNewContext } from 'vm';
import { createGunzip } from 'zlib';
import { formatBytes } from './archives';
import { GoTarReader, PAX_MAX_BYTES, TarEntry, TarSink, entryLabel } from './go-tar';
import { ImageMetadata, decodeImageMetadata } from './image-metadata';

export { PAX_MAX_BYTES, entryLabel };

export const METADATA_PATH = 'backup/backup_information.json';
/**
 * The largest backup_information.json read. The image writes about 300 bytes
 * of fields and one `"path": "digest"` line per backed-up file (the Neo4j
 * backup's files and prefect.dump: a handful). 1 MiB holds over 200 lines with
 * paths of PATH_MAX (4,096 bytes), or 10,000 with paths of 30; a larger file
 * is not the image's, and is refused by its size, before it is read.
 */
export const METADATA_MAX_BYTES = 1024 * 1024;
/** The task manager's dump, relative to backup/, which the image's restore treats apart. */
export const PREFECT_DUMP = 'prefect.dump';
/** As the image writes digests (fmt's %x) and compares them: lowercase hex, case-sensitively. */
const SHA256_HEX = /^[0-9a-f]{64}$/;
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
 * V8 heap, freed only by a collection; the young-generation collection every
 * COLLECT_EVERY_BYTES frees them as they go, whatever their size (a gzip bomb
 * peaks at about 85 MiB with these, as with 64 KiB ones). With 64 KiB, each
 * 256 KiB of input took five round trips to the thread pool instead of one or
 * two, and verify streamed at 60-70 % of a plain download instead of 85-100 %.
 */
const GUNZIP_CHUNK_BYTES = 256 * 1024;

/**
 * Every this many bytes out of gunzip, a young-generation collection (when
 * the runtime allows one). Each chunk read from the socket and each chunk out
 * of gunzip is a new ArrayBuffer outside the V8 heap, freed only by a
 * collection; the reader makes so little garbage on the heap that V8 starts
 * one only once about 64 MiB of those wait (the CLI peaked at 157 MiB on a
 * 1.1 GiB archive). A scavenge of the small young generation every 4 MiB
 * frees them as they go (under 1 ms each, about 280 per GiB). Every 8 MiB,
 * with the 256 KiB chunks joined for gunzip (a copy of each socket chunk
 * more), verify peaked at 119-127 MiB on 1.1 GiB and once at 148 MiB under
 * load; every 4 MiB, at 104-110 MiB, at the same speed.
 */
const COLLECT_EVERY_BYTES = 4 * 1024 * 1024;

/**
 * V8's young-generation collection, from a new context after turning on
 * --expose-gc (which adds `gc` to contexts made afterwards, not to this one);
 * undefined where that is refused.
 */
const minorCollection: (() => void) | undefined = (() => {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as ((options: { type: string }) => void) | undefined;
    return typeof gc === 'function' ? () => gc({ type: 'minor' }) : undefined;
  } catch {
    return undefined;
  }
})();

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

  /** Sets the digest of file `index` (added before its bytes were read). */
  setDigest(index: number, digest: Buffer): void {
    digest.copy(this.digests, index * 32);
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

/**
 * The bytes handed to gunzip at a time, at least. The socket gives 64 KiB or
 * less a read, and gunzip runs each input chunk in the thread pool, a round
 * trip to it and back through the event loop per chunk: with the chunks as
 * read, those round trips (not the inflating, nor the SHA-256) were where the
 * time went (docs/verify.md). Joined into 256 KiB, there are a quarter as
 * many, as long as gunzip's output buffers (GUNZIP_CHUNK_BYTES) hold as much.
 */
const GUNZIP_INPUT_BYTES = 256 * 1024;

/**
 * Counts bytes and remembers the first one, on the way to gunzip, and joins
 * the chunks read into `join` bytes or more (the last one smaller). Reading
 * only the metadata (stopAfterMetadata), nothing is held: the chunks go on as
 * they come, so a slow server's first bytes are read at once.
 */
class Meter extends Transform {
  /** Bytes read from the source. */
  bytes = 0;
  /** Bytes handed to gunzip (the gzip bomb check's measure: not what is still held here). */
  forwarded = 0;
  firstByte: number | undefined;
  private held: Buffer[] = [];
  private heldBytes = 0;
  constructor(private readonly join: number) {
    super({ highWaterMark: GUNZIP_INPUT_BYTES });
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.firstByte === undefined && chunk.length > 0) this.firstByte = chunk[0];
    this.bytes += chunk.length;
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.heldBytes >= this.join) this.release();
    callback();
  }
  override _flush(callback: TransformCallback): void {
    this.release();
    callback();
  }
  private release(): void {
    if (this.heldBytes === 0) return;
    const out = this.held.length === 1 ? this.held[0] : Buffer.concat(this.held, this.heldBytes);
    this.held = [];
    this.forwarded += this.heldBytes;
    this.heldBytes = 0;
    this.push(out);
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}

/** Why reading stopped, as one line. */
function readFailure(meter: Meter, errors: { source?: unknown; gzip?: unknown }, options: CheckOptions): string {
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
  const message = firstLine(errors.gzip);
  if (/unexpected end of file/i.test(message)) {
    return `the archive is truncated: the gzip stream ends early, at ${formatBytes(read)}${
      options.expectedSize === read ? ', the whole object' : ''
    }; the upload was probably cut off`;
  }
  return `the archive is corrupt: gzip: ${message} (after ${formatBytes(read)}${of})`;
}

/** What is being done with the data of the current entry. */
type Current =
  | { readonly kind: 'skip' }
  | { readonly kind: 'hash'; readonly path: string; readonly hash: Hash; size: number }
  | { readonly kind: 'metadata'; readonly chunks: Buffer[]; size: number };
const SKIP: Current = { kind: 'skip' };

/** Reads and checks an archive; throws ArchiveReadError if it cannot be read to the end. */
export async function checkArchive(source: Readable, options: CheckOptions = {}): Promise<ArchiveReport> {
  const meter = new Meter(options.stopAfterMetadata ? 0 : GUNZIP_INPUT_BYTES);
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
  const errors: { source?: unknown; gzip?: unknown } = {};
  // pipeline() destroys the streams before a failing one with its error, after the failing one has
  // emitted it: an error already seen downstream is not this stream's own.
  source.on('error', (e) => {
    if (e !== errors.gzip) errors.source ??= e;
  });
  gunzip.on('error', (e) => (errors.gzip ??= e));

  /**
   * What is kept of each entry while reading is as small as it can be (see
   * FileTable); the ArchiveFile objects are made once the archive has been
   * read to its end.
   */
  const table = new FileTable();
  const warnings = new CappedLines(MAX_WARNING_LINES, 'warnings');
  const problems = new CappedLines(MAX_PROBLEM_LINES, 'problems');
  /** Normalised path -> the index of the file read there in `table`, or FOLDER (written, or made as a file's parent), or METADATA. */
  const seen = new Map<string, number>();
  const rawNames = new RawNames();
  let metadataBytes: Buffer | undefined;
  let metadataSize: number | undefined;
  let stopped = false;
  /** Why reading stopped early (the archive is refused as a whole). */
  let refused: string | undefined;
  let entries = 0;
  /** Bytes of the names kept so far (normalised paths, their parents, and the names as written when they differ). */
  let keptNameBytes = 0;
  let current: Current = SKIP;
  let expanded = 0;
  let sinceCollection = 0;

  const stop = (line: string | undefined): void => {
    if (line !== undefined) refused ??= line;
    else stopped = true;
    reader.stop();
    source.destroy();
  };

  /** Records `path` and its parents as folders; false when a parent is a file (it shadows the folder). */
  const addFolders = (path: string, self: boolean): string | undefined => {
    let at = self ? path.length : path.lastIndexOf('/');
    while (at > 0) {
      const parent = path.slice(0, at);
      const there = seen.get(parent);
      if (there === FOLDER) return undefined;
      if (there !== undefined) return parent;
      seen.set(parent, FOLDER);
      keptNameBytes += parent.length;
      at = parent.lastIndexOf('/');
    }
    return undefined;
  };

  const sink: TarSink = {
    entry(entry: TarEntry): void {
      current = SKIP;
      if (++entries > MAX_ENTRIES) return stop(`the archive has more than ${MAX_ENTRIES} entries: not an archive the backup image writes`);
      const raw = entry.name;
      const path = normalisePath(raw);
      const isFile = entry.type === 'file';
      const nameBytes = Buffer.byteLength(raw);
      const unsafe = raw === '' ? 'an empty name' : unsafePath(raw);
      let problem: string | undefined;
      if (nameBytes > MAX_NAME_BYTES) problem = `a path of ${nameBytes} bytes, more than ${MAX_NAME_BYTES}: tar -x cannot write it`;
      else if (unsafe !== undefined) problem = unsafe;
      else if (isFile && path === '.') problem = "a file named as the extraction folder itself: the image's extractor fails on it";
      else if (seen.get(path) === FOLDER && isFile) {
        problem = `a file where the archive has a folder (${path}): the image's extractor fails on it`;
      } else if (seen.has(path) && seen.get(path) !== FOLDER) {
        problem = `the same path as the earlier entry ${entryLabel(rawNames.get(path) ?? path)} (${path}): tar -x would write one over the other`;
      } else if (isFile && (entry.mode & 0o400) === 0) {
        problem = `a file of mode ${entry.mode.toString(8).padStart(4, '0')}, not readable by its owner: the image's extractor creates it so, and cannot read it back`;
      }
      if (problem === undefined && path !== '.') {
        const shadow = addFolders(path, !isFile);
        if (shadow !== undefined) problem = `its folder ${shadow} is a file in the archive: the image's extractor fails on it`;
      }
      if (problem !== undefined) {
        problems.push(`entry ${entryLabel(raw)}: ${problem}`);
        return;
      }
      if ((keptNameBytes += Buffer.byteLength(path) + (raw !== path ? nameBytes : 0)) > MAX_KEPT_NAME_BYTES) {
        return stop(`the archive's entry names add up to more than ${formatBytes(MAX_KEPT_NAME_BYTES)}: not an archive the backup image writes`);
      }
      if (raw !== path) rawNames.set(path, raw);
      if (!isFile) return;
      if (path === METADATA_PATH) {
        seen.set(path, METADATA);
        metadataSize = entry.size;
        if (entry.size > METADATA_MAX_BYTES) return;
        current = { kind: 'metadata', chunks: [], size: 0 };
        return;
      }
      current = { kind: 'hash', path, hash: createHash('sha256'), size: 0 };
      // Marked now (digest filled in at its end): a later entry under it is a file shadowing a folder.
      seen.set(path, table.add(path, entry.size, EMPTY_SHA256));
    },
    data(chunk: Buffer): void {
      if (current.kind === 'hash') {
        current.hash.update(chunk);
        current.size += chunk.length;
      } else if (current.kind === 'metadata') {
        current.chunks.push(chunk);
        current.size += chunk.length;
      }
    },
    end(): void {
      const done = current;
      current = SKIP;
      if (done.kind === 'hash') table.setDigest(seen.get(done.path)!, done.hash.digest());
      else if (done.kind === 'metadata') {
        metadataBytes = Buffer.concat(done.chunks, done.size);
        if (options.stopAfterMetadata) stop(undefined);
      }
    },
  };
  const reader = new GoTarReader(sink, (line) => stop(line));

  const consume = new Writable({
    highWaterMark: GUNZIP_CHUNK_BYTES,
    write(chunk: Buffer, _encoding, callback): void {
      expanded += chunk.length;
      if ((sinceCollection += chunk.length) >= COLLECT_EVERY_BYTES) {
        sinceCollection = 0;
        minorCollection?.();
      }
      if (expanded > EXPANSION_FLOOR_BYTES && expanded > MAX_EXPANSION * meter.forwarded) {
        stop(`the archive expands more than ${MAX_EXPANSION} times its compressed size (${formatBytes(expanded)} from ${formatBytes(meter.bytes)}): a gzip bomb, not an archive the backup image writes`);
      } else if (!reader.isStopped) reader.write(chunk);
      callback();
    },
    final(callback): void {
      const unfinished = reader.finish();
      if (unfinished !== undefined) refused ??= unfinished.startsWith('the archive is truncated') ? `${unfinished} (at ${formatBytes(meter.bytes)}${options.expectedSize !== undefined ? ` of ${formatBytes(options.expectedSize)}` : ''})` : unfinished;
      callback();
    },
  });
  const pipeError = await pipeline(source, meter, gunzip, consume).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (refused !== undefined) throw new ArchiveReadError(refused);
  if (!stopped) {
    if (pipeError !== undefined || errors.source !== undefined || errors.gzip !== undefined) {
      if (errors.source === undefined && errors.gzip === undefined) errors.gzip = pipeError;
      throw new ArchiveReadError(readFailure(meter, errors, options));
    }
    if (options.expectedSize !== undefined && meter.bytes < options.expectedSize) {
      throw new ArchiveReadError(readFailure(meter, errors, options));
    }
    if (meter.bytes === 0) throw new ArchiveReadError(readFailure(meter, errors, options));
  }

  // The metadata, read as the image reads it.
  let decoded: ImageMetadata | undefined;
  if (metadataSize !== undefined && metadataSize > METADATA_MAX_BYTES) {
    problems.push(
      `${METADATA_PATH} is ${formatBytes(metadataSize)}, more than ${formatBytes(METADATA_MAX_BYTES)}: it is not the image's metadata (a few hundred bytes and one line per backed-up file)`,
    );
  } else if (metadataBytes === undefined) {
    problems.push(`${METADATA_PATH} is missing: this is not an archive the backup image wrote (or it was cut before the metadata)`);
  } else {
    const result = decodeImageMetadata(metadataBytes);
    // eslint-disable-next-line no-useless-assignment -- lets the collector take the buffer (up to METADATA_MAX_BYTES) before the checksum pass
    metadataBytes = undefined;
    for (const p of result.problems) problems.push(`${METADATA_PATH}${p.startsWith(':') ? '' : ' '}${p}`);
    decoded = result.metadata;
  }

  let verifiedFiles = 0;
  let verifiedBytes = 0;
  if (decoded !== undefined && !stopped) {
    const checksums = decoded.checksums;
    const fileAt = (path: string): number | undefined => {
      const index = seen.get(path);
      return index !== undefined && index >= 0 ? index : undefined;
    };
    if (checksums === undefined) {
      problems.push(`${METADATA_PATH} has no checksums: nothing can be verified`);
    } else {
      if (checksums.size === 0) problems.push(`${METADATA_PATH} lists no checksums: nothing can be verified`);
      for (const [relative, expected] of checksums) {
        const unsafe = relative === '' ? 'an empty path' : unsafePath(relative);
        if (unsafe !== undefined) {
          problems.push(`${METADATA_PATH}: the checksum of ${entryLabel(relative)} is for ${unsafe}`);
          continue;
        }
        if (normalisePath(relative) !== relative) {
          problems.push(`${METADATA_PATH}: the checksum of ${entryLabel(relative)} is for a path that is not written as the image writes paths (${normalisePath(relative)})`);
          continue;
        }
        if (!SHA256_HEX.test(expected)) {
          problems.push(
            /^[0-9a-fA-F]{64}$/.test(expected)
              ? `${METADATA_PATH}: the checksum of ${entryLabel(relative)} is in uppercase hex: the image compares it, case-sensitively, with lowercase hex, so the restore would fail`
              : `${METADATA_PATH}: the checksum of ${entryLabel(relative)} is not a SHA-256 hex digest`,
          );
          continue;
        }
        // The image reads every listed path under backup/ (a file at the archive's root is not it).
        const path = `backup/${relative}`;
        const file = fileAt(path);
        if (file === undefined) {
          problems.push(
            seen.get(path) === FOLDER
              ? `${path} is listed in ${METADATA_PATH} but is a folder in the archive`
              : `${path} is listed in ${METADATA_PATH} but missing from the archive${fileAt(relative) !== undefined ? ` (${relative} is at the archive's root: the image reads backup/${relative})` : ''}`,
          );
          continue;
        }
        const sha256 = table.sha256(file);
        if (sha256 !== expected) {
          problems.push(`checksum mismatch for ${path}: backup_information.json says ${expected}, the archive holds ${sha256}`);
          continue;
        }
        verifiedFiles++;
        verifiedBytes += table.size(file);
      }
      // What the image's restore requires of the task manager's dump (unless run with --exclude-taskmanager).
      const prefect = `backup/${PREFECT_DUMP}`;
      if (seen.has(prefect) && !checksums.has(PREFECT_DUMP)) {
        problems.push(`${prefect} is in the archive but has no checksum in ${METADATA_PATH}: the image's restore refuses it`);
      }
      if (seen.get(prefect) === FOLDER) problems.push(`${prefect} is a folder: the image's restore fails on it`);
      else if (decoded.components?.includes('task-manager-db') && fileAt(prefect) === undefined) {
        problems.push(`${METADATA_PATH} lists the component task-manager-db but ${prefect} is missing: the image's restore fails on it`);
      }
      for (const path of table.paths) {
        if (!path.startsWith('backup/') || !checksums.has(path.slice('backup/'.length))) {
          if (path !== prefect) warnings.push(`${path} is in the archive but has no checksum in ${METADATA_PATH}`);
        }
      }
    }
  }

  const files = table.paths.map((path, index): ArchiveFile => ({ path, size: table.size(index), sha256: table.sha256(index) }));
  return {
    metadata: decoded?.fields,
    files,
    problems: problems.done(),
    warnings: warnings.done(),
    verifiedFiles,
    verifiedBytes,
    compressedBytes: meter.bytes,
    partial: stopped,
  };
}
