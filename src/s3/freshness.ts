/**
 * A backup's age, and the freshness a heartbeat success stands for.
 *
 * A backup is as old as the older of its two times: the timestamp in its name
 * (read as UTC) and its upload (LastModified). An archive named three days ago
 * and uploaded now (a copy, a re-upload) is three days old; one uploaded 30 h
 * ago under a name 16 h old (a pod clock ahead) is 30 h old. A name in the
 * future (after now) says nothing: the upload counts alone.
 *
 * A heartbeat success ping means "a restorable archive younger than the maximum
 * age exists", whichever command sends it: `s3 verify` and `s3 prune` check it
 * after their own work, `s3 latest --max-age` is that check.
 */
import { InputError } from '../input-error';
import { Archive, backupTime, formatDate } from './archives';
import { withSession } from './client';
import { S3Failure, S3Io } from './common';
import { ConnectionFlags, resolveSettings, s3Uri } from './config';
import { formatAge } from './duration';
import { findLatest } from './latest';

export { backupTime };

/** The age of a backup and the words saying where it comes from: `3d 0h (named 2026-01-01T00:00:00Z)`. */
export function backupAge(archive: Pick<Archive, 'createdAt' | 'lastModified'>, now: Date): { ms: number; text: string; source: string } {
  const { time, from } = backupTime(archive, now);
  const ms = now.getTime() - time;
  const source = from === 'name' ? `named ${formatDate(archive.createdAt)}` : `uploaded ${formatDate(archive.lastModified!)}`;
  return { ms, text: formatAge(ms), source };
}

/** The stale-backup line (without `error: `) when the archive is older than the maximum age; undefined when it is younger. */
export function staleProblem(uri: string, archive: Pick<Archive, 'createdAt' | 'lastModified'>, now: Date, maxAgeMs: number, maxAgeText: string, flag: string): string | undefined {
  const age = backupAge(archive, now);
  if (age.ms <= maxAgeMs) return undefined;
  return `stale backup: the newest restorable archive, ${uri}, is ${age.text} old (${age.source}), older than ${flag} ${maxAgeText}: check the backup CronJob's recent Jobs`;
}

/**
 * Whether a heartbeat success may be sent: the newest restorable archive under
 * the configured bucket and prefix, younger than `maxAgeMs`. Returns the line
 * (without `error: `) saying why not, or undefined. Never throws.
 */
export async function heartbeatFreshness(flags: ConnectionFlags, io: Pick<S3Io, 'stderr' | 'env'>, maxAgeMs: number, maxAgeText: string, now = new Date()): Promise<string | undefined> {
  try {
    const settings = resolveSettings(flags, io.env, { needBucket: true });
    const { archive } = await withSession(settings, io.stderr, (session) => findLatest(session, { stderr: () => undefined }, now));
    return staleProblem(s3Uri(settings.bucket!, archive.key), archive, now, maxAgeMs, maxAgeText, 'the heartbeat\'s maximum age');
  } catch (e) {
    if (e instanceof InputError) return e.lines[0];
    return e instanceof S3Failure ? e.line : (e as Error).message.split('\n')[0];
  }
}
