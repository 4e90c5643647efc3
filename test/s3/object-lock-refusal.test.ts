/**
 * Which refused deletes `s3 prune` reports as retained by Object Lock: the
 * words of Object Lock's refusal, never a permission refusal whose message
 * merely names a bucket, prefix or key that contains such a word (AWS's
 * AccessDenied messages quote the resource's ARN).
 */
import fc from 'fast-check';
import { lockedByObjectLock } from '../../src/s3/prune';

const WORDS = ['retention', 'object-lock', 'objectlock', 'worm', 'legal-hold', 'legalhold', 'WORM', 'Retention'];
const segment = fc.stringMatching(/^[a-z0-9]{0,6}$/);
const named = fc.tuple(segment, fc.constantFrom(...WORDS), segment).map(([a, w, b]) => `${a}${a ? '-' : ''}${w}${b ? '-' : ''}${b}`);
const key = fc.tuple(fc.option(named, { nil: undefined }), fc.constantFrom('infrahub_backup_20260101_000000.tar.gz', 'infrahub_backup_20261231_235959.tar.gz.enc')).map(([p, n]) => (p ? `${p}/${n}` : n));

test('a permission refusal naming a resource called *retention*, *worm*, *legal-hold*... is a failure, not Object Lock', () => {
  let drawn = 0;
  fc.assert(
    fc.property(named, key, fc.constantFrom('user/backup', 'role/infrahub-backup'), (bucket, k, principal) => {
      drawn++;
      const messages = [
        `User: arn:aws:iam::123456789012:${principal} is not authorized to perform: s3:DeleteObject on resource: "arn:aws:s3:::${bucket}/${k}" because no identity-based policy allows the s3:DeleteObject action`,
        `User: arn:aws:iam::123456789012:${principal} is not authorized to perform: s3:DeleteObject on resource: "arn:aws:s3:::${bucket}/${k}" with an explicit deny in a resource-based policy`,
        `Access Denied: s3://${bucket}/${k}`,
      ];
      for (const m of messages) expect({ m, locked: lockedByObjectLock('AccessDenied', m) }).toEqual({ m, locked: false });
    }),
    { numRuns: 300, seed: 21 },
  );
  expect(drawn).toBe(300);
});

test("Object Lock's own refusals are still retained", () => {
  expect(lockedByObjectLock('AccessDenied', 'Access Denied because object protected by object lock.')).toBe(true);
  expect(lockedByObjectLock('ObjectLocked', undefined)).toBe(true);
  expect(lockedByObjectLock('AccessDenied', 'Object is WORM protected and cannot be overwritten')).toBe(true);
  expect(lockedByObjectLock('AccessDenied', 'Access Denied')).toBe(false);
  expect(lockedByObjectLock('AccessDenied', 'Access Denied because object protected by object lock: "arn:aws:s3:::b/k"')).toBe(true);
});
