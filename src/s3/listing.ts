/**
 * Lists the archives under a prefix, across every page of ListObjectsV2.
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Archive, archiveOf, sortNewestFirst } from './archives';
import { S3Failure } from './common';
import type { S3Settings } from './config';
import { describeS3Error } from './errors';

export interface Listing {
  /** The archives directly under the prefix, newest first. */
  readonly archives: Archive[];
  /** Objects under the prefix that are not archives (other names, sub-folders), not counting their contents. */
  readonly foreign: number;
}

/**
 * All archives directly under `keyPrefix` (non-recursive, like the image's
 * retention: the listing uses `/` as delimiter, so sub-folders count as one
 * foreign entry each and are never descended into). A listing that fails
 * part-way throws: no caller may act on a partial list (the newest archive
 * could be on a page never read).
 */
export async function listArchives(
  client: S3Client,
  bucket: string,
  keyPrefix: string,
  options: { readonly abortSignal?: AbortSignal } = {},
): Promise<Listing> {
  const archives: Archive[] = [];
  let foreign = 0;
  let token: string | undefined;
  const seenTokens = new Set<string>();
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: keyPrefix === '' ? undefined : keyPrefix,
        Delimiter: '/',
        ContinuationToken: token,
      }),
      { abortSignal: options.abortSignal },
    );
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined) continue;
      const archive = archiveOf(object.Key, keyPrefix, object.Size ?? 0, object.LastModified);
      if (archive) archives.push(archive);
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
  return { archives: sortNewestFirst(archives), foreign };
}

/** The archives under the settings' bucket and prefix; a failed listing is one described line. */
export async function listArchivesOrFail(client: S3Client, settings: S3Settings): Promise<Listing> {
  const bucket = settings.bucket!;
  try {
    return await listArchives(client, bucket, settings.keyPrefix);
  } catch (e) {
    throw new S3Failure(describeS3Error(e, { action: 'list', bucket, settings }));
  }
}
