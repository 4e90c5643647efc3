/**
 * A tar reader that reads each header as the backup image does (Go's
 * archive/tar `Reader.Next`, then the image's extractor, which writes only
 * folders and regular files), and refuses, with one line, every header it
 * could read differently: the archive is accepted only when Go would find the
 * same entries, names, sizes and bytes.
 *
 * What the image's writer (Go's `tar.Writer` with `FileInfoHeader`) produces,
 * and so all this reader accepts:
 * - USTAR headers ("ustar\0" magic, version "00", bytes 500-511 zero), ASCII
 *   only, a checksum Go accepts, octal numeric fields (never base-256: past
 *   8 GiB Go writes a PAX `size` record and 0 in the field);
 * - typeflag `0` (file) and `5` (folder, of size 0), each optionally after one
 *   PAX extended header (`x`) of at most PAX_MAX_BYTES, whose records are
 *   well formed, unique, non-empty, and among path, size, mtime, atime, ctime,
 *   uid, gid, uname, gname, with values Go parses;
 * - the end: two zero blocks, then only zeros.
 *
 * Everything else stops the read with a line saying why: GNU or STAR or V7
 * headers (Go reads a GNU header whose access time is not a number with its
 * prefix field as part of the name; STAR moves the prefix and the times),
 * typeflags the image never writes (`\0`, which Go makes a folder when the name
 * ends in `/`; `7`, `8` and every other one, which the image's extractor skips;
 * old-GNU `N`, `L`, `K`, `S`, `g`; links, devices, fifos), PAX records Go
 * applies differently (`GNU.sparse.name` renames the entry) or fails on
 * (`size=3abc`), a folder with data (Go reads that data as the next header), a
 * lone zero block before a header (Go fails there).
 *
 * The reader keeps one header block and the data of one PAX header; entry data
 * is handed on chunk by chunk.
 */

export const BLOCK = 512;
/** The largest PAX header data read (Go's own limit is 1 MiB; the image writes a path of at most PATH_MAX and a size). */
export const PAX_MAX_BYTES = 64 * 1024;
const PAX_KEYS = new Set(['path', 'size', 'mtime', 'atime', 'ctime', 'uid', 'gid', 'uname', 'gname']);
const DECIMAL = /^(0|[1-9][0-9]*)$/;
const PAX_TIME = /^-?[0-9]{1,19}(\.[0-9]{1,19})?$/;
const ZEROS = Buffer.alloc(16 * 1024);

/** An entry as the image extracts it. */
export interface TarEntry {
  /** The name as Go reads it (PAX path, else prefix/name). */
  readonly name: string;
  readonly type: 'file' | 'directory';
  readonly size: number;
  /** The permission bits of the header (the image creates the file with them). */
  readonly mode: number;
  /** Offset of the entry's header (of its PAX header when it has one) in the tar stream. */
  readonly offset: number;
}

export interface TarSink {
  /** A new entry; its data follows through data(), then end(). */
  entry(entry: TarEntry): void;
  data(chunk: Buffer): void;
  end(): void;
}

/** The names of the typeflags refused, for messages. */
const TYPE_NAMES: Record<string, string> = {
  '\0': "a NUL typeflag (an old regular file: Go's archive/tar makes it a folder when the name ends in \"/\")",
  '1': 'a hard link',
  '2': 'a symbolic link',
  '3': 'a character device',
  '4': 'a block device',
  '6': 'a fifo',
  '7': "a contiguous file (typeflag 7: Go's archive/tar returns it as is, and the image's extractor skips it)",
  g: 'a global PAX header',
  L: 'a GNU long name',
  K: 'a GNU long link name',
  N: "an old GNU long-names header (typeflag N: Go's archive/tar returns it as an entry, which the image's extractor skips, while other readers take it for the next entry's name)",
  S: 'a GNU sparse file',
  V: 'a GNU volume header',
  M: 'a GNU multi-volume continuation',
  D: 'a GNU dump directory',
};

/** Typeflags of headers that describe the next entry rather than being one (their own name says nothing). */
const META_TYPES = new Set(['g', 'L', 'K', 'N', 'S', 'V', 'M', 'D', 'A', 'E', 'I', 'X']);

/** An entry name for messages: quoted, control characters escaped, at most 200 characters. */
export function entryLabel(name: string): string {
  return JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}…` : name);
}

function typeName(flag: number): string {
  const c = String.fromCharCode(flag);
  return TYPE_NAMES[c] ?? `an entry of typeflag ${JSON.stringify(c)} (the image's extractor skips it)`;
}

/** A string field as Go's parser reads it: up to the first NUL. */
function cString(block: Buffer, at: number, length: number): string {
  const end = block.indexOf(0, at);
  return block.toString('latin1', at, end < 0 || end > at + length ? at + length : end);
}

/**
 * A numeric field as Go's parseOctal reads it (leading and trailing spaces and
 * NULs trimmed, then up to a NUL, in base 8); undefined where Go fails, or for
 * base-256, which the image never writes.
 */
function octalField(block: Buffer, at: number, length: number): number | undefined {
  if (block[at] & 0x80) return undefined;
  let start = at;
  let end = at + length;
  while (start < end && (block[start] === 0x20 || block[start] === 0)) start++;
  while (end > start && (block[end - 1] === 0x20 || block[end - 1] === 0)) end--;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = block[i];
    if (c === 0) break;
    if (c < 0x30 || c > 0x37) return undefined;
    value = value * 8 + (c - 0x30);
  }
  return Number.isSafeInteger(value) ? value : undefined;
}

const NUMERIC_FIELDS: ReadonlyArray<readonly [string, number, number]> = [
  ['mode', 100, 8],
  ['uid', 108, 8],
  ['gid', 116, 8],
  ['size', 124, 12],
  ['mtime', 136, 12],
  ['devmajor', 329, 8],
  ['devminor', 337, 8],
];

function isZero(block: Buffer): boolean {
  return block.compare(ZEROS, 0, BLOCK) === 0;
}

/** Why a PAX header's data is refused, or its records. Records are "<length> <key>=<value>\n", read as Go reads them. */
function paxRecords(data: Buffer): Map<string, string> | string {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) return "a PAX record without a length: Go's archive/tar fails on it";
    const lengthText = data.toString('latin1', at, space);
    const length = DECIMAL.test(lengthText) ? Number(lengthText) : NaN;
    if (!Number.isSafeInteger(length) || length < 5 || at + length > data.length || length <= space - at + 1) {
      return "a PAX record whose length is wrong: Go's archive/tar fails on it";
    }
    const end = at + length;
    if (data[end - 1] !== 0x0a) return "a PAX record that does not end in a newline: Go's archive/tar fails on it";
    const record = data.subarray(space + 1, end - 1);
    const equals = record.indexOf(0x3d);
    if (equals <= 0) return "a PAX record without a key: Go's archive/tar fails on it";
    const key = record.toString('utf8', 0, equals);
    const value = record.toString('utf8', equals + 1);
    if (!PAX_KEYS.has(key)) {
      return `a PAX record ${JSON.stringify(key.slice(0, 60))}: the image never writes one${
        key.startsWith('GNU.sparse.') ? " (Go's archive/tar takes GNU.sparse.name as the entry's name and reads the data as a sparse map)" : ', and extractors apply it differently'
      }`;
    }
    if (records.has(key)) return `the PAX record ${key} twice in one header: Go keeps the last one, other readers the first`;
    if (value === '' || value.includes('\0') || !Buffer.from(value, 'utf8').equals(record.subarray(equals + 1))) {
      return `a PAX record ${key} that is empty, holds a NUL or is not UTF-8: the image never writes one`;
    }
    if (key === 'size' || key === 'uid' || key === 'gid') {
      if (!DECIMAL.test(value) || !Number.isSafeInteger(Number(value))) return `a PAX record ${key}=${JSON.stringify(value.slice(0, 40))}: not a decimal number (Go's archive/tar fails on it)`;
    } else if (key.endsWith('time') && !PAX_TIME.test(value)) {
      return `a PAX record ${key}=${JSON.stringify(value.slice(0, 40))}: not a time Go's archive/tar reads`;
    }
    records.set(key, value);
    at = end;
  }
  return records;
}

/**
 * Feed it the tar stream with write(); `fail` is called once, with one line,
 * when the stream holds something refused (then the reader ignores the rest).
 */
export class GoTarReader {
  /** Offset in the tar stream of the first byte of the next chunk. */
  private offset = 0;
  private readonly header = Buffer.alloc(BLOCK);
  private filled = 0;
  /** Data bytes still to come in the current entry (or PAX header), then padding bytes. */
  private remaining = 0;
  private padding = 0;
  /** The data of the PAX header being read, and how much of it has come. */
  private pax: Buffer | undefined;
  private paxFilled = 0;
  private paxAt = 0;
  /** The records of the last PAX header, for the next entry. */
  private pending: Map<string, string> | undefined;
  /** Offset of a first zero block. */
  private zeroAt: number | undefined;
  /** Two zero blocks read: the archive's end. */
  private ended = false;
  private stopped = false;

  constructor(
    private readonly sink: TarSink,
    private readonly fail: (line: string) => void,
  ) {}

  /** Stops reading (nothing more is reported). */
  stop(): void {
    this.stopped = true;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  private refuse(line: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.fail(line);
  }

  write(chunk: Buffer): void {
    const length = chunk.length;
    let i = 0;
    while (i < length && !this.stopped) {
      if (this.ended) {
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
        if (j < length) this.refuse(`data after the end of the tar archive (offset ${this.offset + j}): tar -x stops before it`);
        break;
      }
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, length - i);
        if (this.pax !== undefined) {
          chunk.copy(this.pax, this.paxFilled, i, i + take);
          this.paxFilled += take;
        } else {
          this.sink.data(chunk.subarray(i, i + take));
        }
        i += take;
        this.remaining -= take;
        if (this.remaining === 0) this.dataDone();
        continue;
      }
      if (this.padding > 0) {
        const skip = Math.min(this.padding, length - i);
        i += skip;
        this.padding -= skip;
        continue;
      }
      const take = Math.min(BLOCK - this.filled, length - i);
      chunk.copy(this.header, this.filled, i, i + take);
      this.filled += take;
      i += take;
      if (this.filled === BLOCK) {
        this.filled = 0;
        this.onHeader(this.offset + i - BLOCK);
      }
    }
    this.offset += length;
  }

  /**
   * The stream ended: undefined if the archive ended properly, else why not
   * ("inside an entry" when it stops within one).
   */
  finish(): string | undefined {
    if (this.stopped || this.ended) return undefined;
    if (this.remaining > 0 || this.padding > 0 || this.filled > 0) return 'the archive is truncated: the tar stream ends inside an entry';
    if (this.zeroAt !== undefined) return `the tar archive ends after one zero block (offset ${this.zeroAt}): the image always writes two`;
    return 'the tar archive has no end-of-archive blocks: it stops after a whole entry (cut?), while the image always writes them';
  }

  private dataDone(): void {
    if (this.pax !== undefined) {
      const records = paxRecords(this.pax);
      this.pax = undefined;
      if (typeof records === 'string') return this.refuse(`the PAX header at offset ${this.paxAt} has ${records}`);
      this.pending = records;
      return;
    }
    this.sink.end();
  }

  private onHeader(at: number): void {
    const block = this.header;
    if (isZero(block)) {
      if (this.pending !== undefined) return this.refuse(`the PAX header at offset ${this.paxAt} is followed by the end of the archive: the image never writes one without an entry`);
      if (this.zeroAt === undefined) {
        this.zeroAt = at;
        return;
      }
      this.ended = true;
      return;
    }
    if (this.zeroAt !== undefined) {
      return this.refuse(`a header at offset ${at} follows a single zero block: Go's archive/tar fails there, other readers read on`);
    }
    const where = `the header at offset ${at}`;
    // The checksum, as Go checks it: the sum of the bytes with the field as spaces, unsigned or signed.
    const stored = octalField(block, 148, 8);
    let unsigned = 0;
    let signed = 0;
    for (let i = 0; i < BLOCK; i++) {
      const byte = i >= 148 && i < 156 ? 0x20 : block[i];
      unsigned += byte;
      signed += byte > 127 ? byte - 256 : byte;
    }
    if (stored === undefined || (stored !== unsigned && stored !== signed)) {
      return this.refuse(`${where} has a wrong checksum: Go's archive/tar fails there`);
    }
    const magic = block.toString('latin1', 257, 263);
    if (magic === 'ustar ' && block[263] === 0x20 && block[264] === 0) {
      return this.refuse(
        `${where} is in the GNU format: the image writes USTAR and PAX headers only, and Go's archive/tar reads a GNU header differently (an access time that is not a number makes it read the prefix field as part of the name)`,
      );
    }
    if (magic !== 'ustar\0') return this.refuse(`${where} is not a USTAR header (no "ustar" magic): the image writes USTAR and PAX headers only`);
    if (block[263] !== 0x30 || block[264] !== 0x30) return this.refuse(`${where} has USTAR version ${JSON.stringify(block.toString('latin1', 263, 265))}, not "00": the image writes "00"`);
    if (block.toString('latin1', 508, 512) === 'tar\0') {
      return this.refuse(`${where} has a STAR trailer: Go's archive/tar then reads a shorter name prefix and two time fields, and the image never writes one`);
    }
    for (let i = 500; i < BLOCK; i++) {
      if (block[i] !== 0) return this.refuse(`${where} has bytes after the USTAR fields (offset ${i} of the block): the image never writes any`);
    }
    const numbers: Record<string, number> = {};
    for (const [field, offset, width] of NUMERIC_FIELDS) {
      const value = octalField(block, offset, width);
      if (value === undefined) return this.refuse(`${where}: its ${field} field is not an octal number: Go's archive/tar fails on it (the image never writes base-256)`);
      numbers[field] = value;
    }
    for (let i = 0; i < BLOCK; i++) {
      if (block[i] > 0x7f) return this.refuse(`${where} holds a byte outside ASCII: the image writes such names in PAX records, and readers decode them differently`);
    }
    const flag = block[156];
    if (flag === 0x78 /* x */) {
      if (this.pending !== undefined) return this.refuse(`${where} is a second PAX header in a row: Go keeps only the last one, and the image never writes two`);
      const size = numbers.size;
      if (size > PAX_MAX_BYTES) return this.refuse(`${where} is a PAX header of ${size} bytes, more than ${PAX_MAX_BYTES}: the image writes a few hundred`);
      this.paxAt = at;
      this.pax = Buffer.alloc(size);
      this.paxFilled = 0;
      this.remaining = size;
      this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
      if (size === 0) this.dataDone();
      return;
    }
    const records = this.pending;
    this.pending = undefined;
    const name = cString(block, 0, 100);
    const prefix = cString(block, 345, 155);
    const fullName = records?.get('path') ?? (prefix.length > 0 ? `${prefix}/${name}` : name);
    if (flag !== 0x30 /* 0 */ && flag !== 0x35 /* 5 */) {
      const only = 'an archive the backup image writes holds only folders and files';
      if (META_TYPES.has(String.fromCharCode(flag))) return this.refuse(`${where} is ${typeName(flag)}: ${only}`);
      const link = cString(block, 157, 100);
      return this.refuse(`entry ${entryLabel(fullName)} (header at offset ${at}): ${typeName(flag)}${(flag === 0x31 || flag === 0x32) && link ? ` to ${entryLabel(link)}` : ''}: ${only}`);
    }
    const paxSize = records?.get('size');
    const entry: TarEntry = {
      name: fullName,
      type: flag === 0x35 ? 'directory' : 'file',
      size: paxSize !== undefined ? Number(paxSize) : numbers.size,
      mode: numbers.mode,
      offset: records !== undefined ? this.paxAt : at,
    };
    if (entry.type === 'directory' && entry.size !== 0) {
      return this.refuse(`${where} is a folder with a size of ${entry.size}: Go's archive/tar reads no data for a folder and takes that data for the next header`);
    }
    this.sink.entry(entry);
    if (this.stopped) return;
    if (entry.size === 0) {
      this.sink.end();
      return;
    }
    this.remaining = entry.size;
    this.padding = (BLOCK - (entry.size % BLOCK)) % BLOCK;
  }
}
