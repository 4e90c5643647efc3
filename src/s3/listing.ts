/**
 * Lists the archives under a prefix, across every page of ListObjectsV2.
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Archive, archiveOf, sortNewestFirst } from './archives';

export interface Listing {
  /** The archives directly under the prefix, newest first. */
  readonly archives: Archive[];
  /** Objects under the prefix that are not archives (other names, sub-folders), not counting their contents. */
  readonly foreign: number;
  readonly pages: number;
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
  options: { readonly abortSignal?: AbortSignal; readonly maxKeys?: number } = {},
): Promise<Listing> {
  const archives: Archive[] = [];
  let foreign = 0;
  let pages = 0;
  let token: string | undefined;
  const seenTokens = new Set<string>();
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: keyPrefix === '' ? undefined : keyPrefix,
        Delimiter: '/',
        ContinuationToken: token,
        MaxKeys: options.maxKeys,
      }),
      { abortSignal: options.abortSignal },
    );
    pages++;
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
  return { archives: sortNewestFirst(archives), foreign, pages };
}
