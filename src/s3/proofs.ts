/**
 * Proofs of restorability: what `s3 verify` records once it has read an
 * archive whole and found it restorable, and what `prune` and `latest` trust.
 *
 * A proof is a small marker object beside the archive, named
 * `<prefix>.proof-infrahub_backup_<YYYYMMDD_HHMMSS>-<size>-<etag>.json`: the
 * archive's timestamp, its size and its ETag are in the marker's name, so the
 * one listing that finds the archives also says which are proven (no request
 * per archive), and an archive replaced after it was verified (another size or
 * ETag) is unproven. The name never starts with `infrahub_backup_` and never
 * ends with `.tar.gz`: no reader of archive names (this tool's, the image's
 * `restore --latest`, a glob) takes a marker for an archive. The body is a
 * short JSON report of the verification, for people.
 *
 * Why a marker object rather than an object tag: the listing carries the
 * proof (a tag needs a GetObjectTagging per archive), the backup image's
 * credentials can already write objects (tags need s3:PutObjectTagging and
 * s3:GetObjectTagging), and every S3-compatible store (and s3rver) keeps
 * objects, where several lack tagging. `prune` deletes an archive's markers
 * with it, and markers whose archive is gone (deleted by hand or by the
 * image's own retention) once they are older than ORPHAN_GRACE_MS.
 */
import { createHash } from 'crypto';
import type { Archive } from './archives';

/** What a marker's name starts with, after the prefix. */
export const PROOF_PREFIX = '.proof-infrahub_backup_';
const PROOF_NAME = /^\.proof-infrahub_backup_(\d{8}_\d{6})-(\d{1,20})-([0-9A-Za-z-]{1,128})\.json$/;
/** An ETag that can stand in a key as it is; any other is replaced by `h` and its SHA-256. */
const PLAIN_ETAG = /^[0-9A-Za-z-]{1,100}$/;
/**
 * A marker whose archive is not listed is deleted by `prune` only when it is
 * older than this: a verification that ran while the listing was being read
 * cannot lose its marker.
 */
export const ORPHAN_GRACE_MS = 24 * 60 * 60 * 1000;

/** A marker found in a listing. */
export interface Proof {
  readonly key: string;
  /** The archive's timestamp (`YYYYMMDD_HHMMSS`). */
  readonly stamp: string;
  readonly size: number;
  /** The ETag as it stands in the name (normalised by etagToken). */
  readonly etag: string;
  readonly lastModified: Date | undefined;
}

/** The ETag as a marker's name holds it: without quotes, and hashed when it has characters a key should not. */
export function etagToken(etag: string | undefined): string | undefined {
  if (etag === undefined) return undefined;
  const bare = etag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
  if (bare === '') return undefined;
  if (PLAIN_ETAG.test(bare)) return bare;
  return `h${createHash('sha256').update(bare).digest('hex').slice(0, 40)}`;
}

/** The marker key proving `archive` (a `.tar.gz` directly under `keyPrefix`) with this size and ETag; undefined without an ETag. */
export function proofKey(keyPrefix: string, archive: Pick<Archive, 'stamp' | 'encrypted'>, size: number, etag: string | undefined): string | undefined {
  const token = etagToken(etag);
  if (token === undefined || archive.encrypted) return undefined;
  return `${keyPrefix}${PROOF_PREFIX}${archive.stamp}-${size}-${token}.json`;
}

/** The proof a key under `keyPrefix` is, if it is a marker's. */
export function proofOf(key: string, keyPrefix: string, lastModified?: Date): Proof | undefined {
  if (!key.startsWith(keyPrefix)) return undefined;
  const match = PROOF_NAME.exec(key.slice(keyPrefix.length));
  if (!match) return undefined;
  const size = Number(match[2]);
  if (!Number.isSafeInteger(size)) return undefined;
  return { key, stamp: match[1], size, etag: match[3], lastModified };
}

/** Whether a marker proves a listed archive: a `.tar.gz` of the same timestamp, size and ETag. */
export function proves(proof: Proof, archive: Archive): boolean {
  return !archive.encrypted && proof.stamp === archive.stamp && proof.size === archive.size && proof.etag === etagToken(archive.etag);
}

/** Indexes markers by the archive timestamp they name. */
export function proofsByStamp(proofs: readonly Proof[]): Map<string, Proof[]> {
  const out = new Map<string, Proof[]>();
  for (const proof of proofs) {
    const list = out.get(proof.stamp);
    if (list) list.push(proof);
    else out.set(proof.stamp, [proof]);
  }
  return out;
}
