/**
 * Lists the archives under a prefix, across every page of ListObjectsV2.
 */
import { createHash } from 'crypto';
import { ListObjectsV2Command, ListObjectsV2CommandOutput } from '@aws-sdk/client-s3';
import { Archive, archiveOf, sortNewestFirst } from './archives';
import { NotS3Answer, Session } from './client';
import { S3Failure } from './common';
import { endpointLabel, s3Uri } from './config';
import { describeS3Error } from './errors';
import { Proof, proofOf } from './proofs';

/**
 * The most pages one listing reads: 10 million objects at S3's 1,000 per page.
 * A server that never stops paging (or pages one key at a time) is stopped here
 * rather than by memory or the deadline.
 */
export const MAX_LISTING_PAGES = 10_000;
/** The most archives one listing holds (a daily backup for 270 years); more is refused rather than grown without bound. */
export const MAX_LISTED_ARCHIVES = 100_000;

/** A listing longer than the bounds above: refused, nothing acted on. */
export class ListingTooLong extends Error {
  constructor(
    public readonly what: string,
    /** The archives held, not the pages read, passed the bound. */
    public readonly archives = false,
  ) {
    super(`the listing has more than ${what}`);
    this.name = 'ListingTooLong';
  }
}

export interface Listing {
  /** The archives directly under the prefix, newest first. */
  readonly archives: Archive[];
  /** Objects under the prefix that are not archives (other names, sub-folders), not counting their contents. */
  readonly foreign: number;
  /** The proofs `s3 verify` wrote beside the archives (proofs.ts); not counted as foreign. */
  readonly proofs: Proof[];
}

/** One page of a listing, as the S3 API gives it. */
export type ListPage = Pick<ListObjectsV2CommandOutput, 'Contents' | 'CommonPrefixes' | 'IsTruncated' | 'NextContinuationToken' | 'Name' | 'KeyCount' | 'MaxKeys'>;

/**
 * All archives directly under `keyPrefix`, from pages that `fetchPage` gives
 * for a continuation token (non-recursive, like the image's retention: the
 * listing uses `/` as delimiter, so sub-folders count as one foreign entry each
 * and are never descended into). A listing that fails part-way throws: no
 * caller may act on a partial list (the newest archive could be on a page never
 * read). A page without any of the fields every S3 listing has is not an S3
 * answer (an HTML page or an empty 200): it throws NotS3Answer rather than
 * pass for an empty bucket.
 */
export async function collectArchives(fetchPage: (token: string | undefined) => Promise<ListPage>, keyPrefix: string): Promise<Listing> {
  const archives: Archive[] = [];
  const proofs: Proof[] = [];
  let foreign = 0;
  let token: string | undefined;
  // Digests, not the tokens: a server's tokens may be any length.
  const seenTokens = new Set<string>();
  let pages = 0;
  do {
    if (++pages > MAX_LISTING_PAGES) throw new ListingTooLong(`${MAX_LISTING_PAGES.toLocaleString('en-US')} pages`);
    const page = await fetchPage(token);
    if (page.Name === undefined && page.KeyCount === undefined && page.MaxKeys === undefined && page.IsTruncated === undefined && page.Contents === undefined) {
      throw new NotS3Answer(200, undefined);
    }
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined) continue;
      const archive = archiveOf(object.Key, keyPrefix, object.Size ?? 0, object.LastModified, object.ETag);
      const proof = archive ? undefined : proofOf(object.Key, keyPrefix, object.LastModified);
      if ((archive || proof) && archives.length + proofs.length >= MAX_LISTED_ARCHIVES) {
        throw new ListingTooLong(`${MAX_LISTED_ARCHIVES.toLocaleString('en-US')} archives`, true);
      }
      if (archive) archives.push(archive);
      else if (proof) proofs.push(proof);
      else foreign++;
    }
    foreign += page.CommonPrefixes?.length ?? 0;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
    if (page.IsTruncated && token === undefined) {
      throw new Error('the listing is truncated but the server gave no continuation token');
    }
    if (token !== undefined) {
      // A server that hands back a token it already gave would loop forever.
      const digest = createHash('sha256').update(token).digest('base64');
      if (seenTokens.has(digest)) throw new Error('the server repeated a continuation token while listing');
      seenTokens.add(digest);
    }
  } while (token !== undefined);
  return { archives: sortNewestFirst(archives), foreign, proofs };
}

/** The archives under `keyPrefix` in `bucket`, every call within the session's deadline. */
export function listArchives(session: Session, bucket: string, keyPrefix: string): Promise<Listing> {
  return collectArchives(
    (token) =>
      session.call((abortSignal) =>
        session.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: keyPrefix === '' ? undefined : keyPrefix, Delimiter: '/', ContinuationToken: token }), { abortSignal }),
      ),
    keyPrefix,
  );
}

/** The archives under the settings' bucket and prefix; a failed listing is one described line. */
export async function listArchivesOrFail(session: Session): Promise<Listing> {
  const bucket = session.settings.bucket!;
  try {
    return await listArchives(session, bucket, session.settings.keyPrefix);
  } catch (e) {
    if (e instanceof ListingTooLong) {
      const where = `${endpointLabel(session.settings)} listed more than ${e.what} under ${s3Uri(bucket, session.settings.keyPrefix)}, more than a command reads`;
      // Too many archives is a real bucket's history; too many pages without them, an endpoint that pages without end.
      throw new S3Failure(
        e.archives
          ? `listing too long: ${where} (prune cannot thin it out either; a backup every 5 minutes kept for a year is that many): move the older archives under another prefix (aws s3 mv --recursive with --exclude/--include), then keep the rest in bounds with backup.retention`
          : `listing too long: ${where}: check that the endpoint is an S3 service that ends its listings, and that the prefix holds only archives`,
      );
    }
    throw new S3Failure(describeS3Error(e, { action: 'list', bucket, settings: session.settings }));
  }
}
