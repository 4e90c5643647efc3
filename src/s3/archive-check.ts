/**
 * Checks a backup archive as it streams by: gunzip, then tar, then SHA-256 of
 * each file, in archive order, without writing anything to disk and without
 * holding more than one chunk of any file (only the small
 * backup/backup_information.json is kept whole). Memory stays flat whatever the
 * archive's size.
 *
 * The image writes `backup/backup_information.json` whose `checksums` map paths
 * relative to `backup/` (e.g. `database/neo4j.dump`, `prefect.dump`) to SHA-256
 * hex digests. The metadata may come before or after the files it lists: every
 * file's digest is computed as it passes, and the comparison happens at the end.
 */
import { createHash } from 'crypto';
import { Readable, Transform, TransformCallback } from 'stream';
import { pipeline } from 'stream/promises';
import { createGunzip } from 'zlib';
import * as tar from 'tar-stream';
import { formatBytes } from './archives';

export const METADATA_PATH = 'backup/backup_information.json';
/** backup_information.json is a few KiB; anything past this is not one. */
export const METADATA_MAX_BYTES = 16 * 1024 * 1024;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

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

/** `./backup/x` and `/backup/x` are `backup/x`. */
export function normalisePath(name: string): string {
  let path = name.replace(/\\/g, '/');
  while (path.startsWith('./')) path = path.slice(2);
  while (path.startsWith('/')) path = path.slice(1);
  return path;
}

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

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
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
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  const extract = tar.extract();
  const errors: { source?: unknown; gzip?: unknown; tar?: unknown } = {};
  source.on('error', (e) => (errors.source ??= e));
  gunzip.on('error', (e) => (errors.gzip ??= e));
  extract.on('error', (e: unknown) => (errors.tar ??= e));

  const files: ArchiveFile[] = [];
  const warnings: string[] = [];
  const problems: string[] = [];
  const seen = new Map<string, ArchiveFile>();
  let metadataText: string | undefined;
  let metadataTooLarge = false;
  let stopped = false;

  const piping = pipeline(source, meter, gunzip, extract).then(
    () => undefined,
    (e: unknown) => e,
  );
  let iterationError: unknown;
  try {
    for await (const entry of extract) {
      const type = entry.header.type ?? 'file';
      const path = normalisePath(entry.header.name);
      if (type !== 'file' && type !== 'contiguous-file') {
        for await (const _chunk of entry) void _chunk;
        continue;
      }
      if (path === METADATA_PATH) {
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of entry as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size <= METADATA_MAX_BYTES) chunks.push(chunk);
        }
        if (size > METADATA_MAX_BYTES) {
          metadataTooLarge = true;
        } else {
          if (metadataText !== undefined) warnings.push(`${METADATA_PATH} appears more than once in the archive; the last copy counts`);
          metadataText = Buffer.concat(chunks).toString('utf8');
        }
        if (options.stopAfterMetadata) {
          stopped = true;
          break;
        }
        continue;
      }
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of entry as AsyncIterable<Buffer>) {
        hash.update(chunk);
        size += chunk.length;
      }
      const file: ArchiveFile = { path, size, sha256: hash.digest('hex') };
      if (seen.has(path)) warnings.push(`${path} appears more than once in the archive; the last copy counts`);
      seen.set(path, file);
      files.push(file);
    }
  } catch (e) {
    iterationError = e;
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
      const entries = Object.entries(checksums as Record<string, unknown>);
      if (entries.length === 0) problems.push(`${METADATA_PATH} lists no checksums: nothing can be verified`);
      const listed = new Set<string>();
      for (const [relative, expected] of entries) {
        if (typeof expected !== 'string' || !SHA256_HEX.test(expected)) {
          problems.push(`${METADATA_PATH}: the checksum of ${relative} is not a SHA-256 hex digest`);
          continue;
        }
        const clean = normalisePath(relative);
        // Paths are relative to backup/ in the image's archives; accept a path from the archive root too.
        const candidates = [`backup/${clean}`, clean];
        const file = candidates.map((c) => seen.get(c)).find((f) => f !== undefined);
        if (file === undefined) {
          problems.push(`backup/${clean} is listed in ${METADATA_PATH} but missing from the archive`);
          continue;
        }
        listed.add(file.path);
        if (file.sha256 !== expected.toLowerCase()) {
          problems.push(`checksum mismatch for ${file.path}: backup_information.json says ${expected.toLowerCase()}, the archive holds ${file.sha256}`);
          continue;
        }
        verifiedFiles++;
        verifiedBytes += file.size;
      }
      for (const file of seen.values()) {
        if (!listed.has(file.path)) warnings.push(`${file.path} is in the archive but has no checksum in ${METADATA_PATH}`);
      }
    }
  }

  return {
    metadata,
    files,
    problems,
    warnings,
    verifiedFiles,
    verifiedBytes,
    compressedBytes: meter.bytes,
    partial: stopped,
  };
}
