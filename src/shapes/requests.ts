/**
 * The requests that name the one-shot Jobs, as shapes: `objects.ts`
 * `restoreRequest` evaluates this one; the chart's `infrahub-backup.deployment`
 * hashes the same define's JSON.
 */
import { only, shape, truthy, val } from './expr';

const s = 'v.restore.storage';

/**
 * What a restore restores and how: the inputs that name the restore Job, so
 * the same request keeps the same Job (never re-run) and a new one gets a new Job.
 */
export const restoreRequest = shape('restoreRequest', 'What a restore restores and how: the request whose hash names the restore Job', [], {
  id: val('v.restore.id'),
  storage: {
    type: val(`${s}.type`),
    path: val(`${s}.path`),
    s3: {
      bucket: val(`${s}.s3.bucket`),
      prefix: val(`${s}.s3.prefix`),
      key: val(`${s}.s3.key`),
      latest: val(`${s}.s3.latest`),
      endpoint: val(`${s}.s3.endpoint`),
      // Only when on: a request that never set it keeps the name (and Job) it had.
      acceptUnproven: only(truthy(val(`${s}.s3.acceptUnproven`)), true),
    },
    local: val(`${s}.local`),
  },
  options: val('v.restore.options'),
  decryption: val('v.restore.decryption'),
});
