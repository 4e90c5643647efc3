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
 * after their own work (`heartbeatFreshness` in latest.ts), `s3 latest
 * --max-age` is that check.
 */
import { Archive, backupTime, formatDate } from './archives';
import { formatAge } from './duration';

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
