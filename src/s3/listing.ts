/**
 * Lists the archives under a prefix, across every page of ListObjectsV2.
 */
import { ListObjectsV2Command, ListObjectsV2CommandOutput } from '@aws-sdk/client-s3';
import { Archive, archiveOf, sortNewestFirst } from './archives';
import { NotS3Answer, Session } from './client';
import { S3Failure } from './common';
import { describeS3Error } from './errors';
import { Proof, proofOf } from './proofs';

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
  const seenTokens = new Set<string>();
  do {
    const page = await fetchPage(token);
    if (page.Name === undefined && page.KeyCount === undefined && page.MaxKeys === undefined && page.IsTruncated === undefined && page.Contents === undefined) {
      throw new NotS3Answer(200, undefined);
    }
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined) continue;
      const archive = archiveOf(object.Key, keyPrefix, object.Size ?? 0, object.LastModified, object.ETag);
      const proof = archive ? undefined : proofOf(object.Key, keyPrefix, object.LastModified);
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
      if (seenTokens.has(token)) throw new Error('the server repeated a continuation token while listing');
      seenTokens.add(token);
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
    throw new S3Failure(describeS3Error(e, { action: 'list', bucket, settings: session.settings }));
  }
}
