/**
 * The text Helm prints after an install (NOTES.txt), described once: lines
 * of literal text and values of the render scope (shapes expressions), under
 * conditions. The chart build writes it as the define `infrahub-backup.notes`
 * (in `_shapes.tpl`) and a NOTES.txt that includes it. Each line prints as a
 * newline and its text, as the hand-written NOTES.txt did.
 */
import { algorithm, and, eq, join, not, or, orDefault, truthy, val, type Cond, type Expr } from '../shapes/expr';
import { persistsLocally } from '../shapes/backup';
import { PACKAGE_VERSION } from '../version';

/** A part of a line: literal text, a value, or parts printed when a condition holds. */
export type Part = string | Expr | { readonly if: Cond; readonly then: readonly Part[] };
/** A line, lines under a condition, or one line per warning (`warning` stands for the warning). */
export type Node =
  | { readonly line: readonly Part[] }
  | { readonly if: Cond; readonly then: readonly Node[]; readonly else?: readonly Node[] }
  | { readonly eachWarning: readonly Part[] };

const line = (...parts: Part[]): Node => ({ line: parts });
const blank = line();
const when = (cond: Cond, then: Node[], otherwise?: Node[]): Node => ({ if: cond, then, ...(otherwise ? { else: otherwise } : {}) });
const inline = (cond: Cond, ...then: Part[]): Part => ({ if: cond, then });
const on = (path: string): Cond => truthy(val(`v.${path}`));
const v = (path: string): Expr => val(`v.${path}`);
const name = (object: string): Expr => val(`names.${object}`);
const ns = val('namespace');
const release = val('release');
/** The warning a line of `eachWarning` prints. */
export const WARNING: Expr = { op: 'var', name: 'warning' };

const backupS3 = and(on('backup.enabled'), eq(v('backup.storage.type'), 's3'));
const restoreS3 = and(on('restore.enabled'), eq(v('restore.storage.type'), 's3'));
const archive = 'infrahub_backup_<timestamp>.tar.gz';
const checks = or(
  and(backupS3, or(on('companion.preflight'), on('backup.retention.enabled'), on('backup.verification.enabled'), on('monitoring.freshness.enabled'))),
  and(not(backupS3), restoreS3, or(on('companion.preflight'), on('restore.storage.s3.latest'))),
);
/** The scale guard runs (with a backup or a restore). */
const guard = and(on('guard.enabled'), or(on('backup.enabled'), on('restore.enabled')));
const companion = or(checks, guard);
/** The word for what runs: a backup, else a restore. */
const operation: Part[] = [inline(on('backup.enabled'), 'backup'), inline(not(on('backup.enabled')), 'restore')];

/** NOTES.txt. */
export const NOTES: readonly Node[] = [
  when(
    on('backup.enabled'),
    [
      when(
        eq(v('backup.mode'), 'cronjob'),
        [line('Scheduled Infrahub backups: CronJob ', name('backupCronJob'), ' runs "', v('backup.schedule'), '"', inline(on('cronJob.timeZone'), ' (', v('cronJob.timeZone'), ')'), '.')],
        [line('One-shot Infrahub backup: Job ', name('backupJob'), '.')],
      ),
      when(
        eq(v('backup.storage.type'), 's3'),
        [
          line('Archives go to s3://', v('backup.storage.s3.bucket'), '/', inline(on('backup.storage.s3.prefix'), v('backup.storage.s3.prefix'), '/'), archive),
          when(on('backup.retention.enabled'), [
            line(
              'Retention: CronJob ', name('retentionCronJob'), ' keeps the ', v('backup.retention.keepLast'), ' newest proven archives and every newer one',
              inline(on('backup.retention.keepDays'), ', and any younger than ', v('backup.retention.keepDays'), ' days'), ', on "', v('backup.retention.schedule'), '".',
            ),
            when(not(on('backup.verification.enabled')), [
              line('WARNING: retention counts only archives the verification CronJob proved, and backup.verification is off: it deletes nothing and fails until archives are proven (enable backup.verification, scheduled before retention).'),
            ]),
          ]),
          when(on('backup.verification.enabled'), [
            line(
              'Verification: CronJob ', name('verificationCronJob'), ' checks the newest archive and records its proof',
              inline(on('monitoring.freshness.enabled'), ', and that it is younger than ', algorithm('backupMaxAge')), ', on "', v('backup.verification.schedule'), '".',
            ),
          ]),
          when(and(on('monitoring.freshness.enabled'), not(on('backup.verification.enabled'))), [
            line('Freshness: CronJob ', name('freshnessCronJob'), ' fails when the newest archive is older than ', algorithm('backupMaxAge'), ', on "', v('monitoring.freshness.schedule'), '".'),
          ]),
        ],
        [
          when(
            persistsLocally,
            [line('Archives stay in ', v('backup.storage.path'), ' on the claim ', name('backupClaim'), ', kept on uninstall and never pruned by Argo CD.')],
            [
              line('WARNING: archives are written to ', v('backup.storage.path'), ' on an emptyDir volume: each archive VANISHES WITH THE POD.'),
              when(
                on('backup.options.sleep'),
                [
                  line('The pod waits ', v('backup.options.sleep'), ' after the backup (backup.options.sleep): copy the archive out during that time:'),
                  line('  POD=$(kubectl get pods -n ', ns, ' -l app.kubernetes.io/instance=', release, ",app.kubernetes.io/component=backup --field-selector=status.phase=Running -o jsonpath='{.items[0].metadata.name}')"),
                  line('  kubectl exec -n ', ns, ' "$POD" -c backup -- ls ', v('backup.storage.path')),
                  line('  kubectl cp -n ', ns, ' -c backup "$POD:', v('backup.storage.path'), `/${archive}" ./${archive}`),
                  line('  (or, without tar in the image: kubectl exec -n ', ns, ' "$POD" -c backup -- cat ', v('backup.storage.path'), `/${archive} > ${archive})`),
                ],
                [line('backup.options.sleep is empty: the pod ends as soon as the archive is written, and the archive is lost. Set backup.options.sleep (e.g. 3m) to copy it out.')],
              ),
              line('To keep archives, set backup.storage.local.persistence.enabled=true (a PersistentVolumeClaim) or back up to S3.'),
            ],
          ),
        ],
      ),
      blank,
      line('Follow the backup logs', inline(on('guard.enabled'), ' (the backup runs as an init container: -c backup)'), ':'),
      line('  kubectl logs -n ', ns, ' -f -l app.kubernetes.io/instance=', release, ',app.kubernetes.io/component=backup', inline(on('guard.enabled'), ' -c backup')),
    ],
    [
      when(
        on('restore.enabled'),
        [
          line('RESTORE: this overwrites the Infrahub databases in namespace ', ns, '.'),
          { eachWarning: ['WARNING: ', WARNING] },
          when(
            eq(v('restore.mode'), 'cronjob'),
            [line('Scheduled restore: CronJob ', name('restoreCronJob'), ' runs "', v('restore.schedule'), '".')],
            [line('Restore Job: ', name('restoreJob'), '. It runs once; change restore.id to restore again, and set restore.enabled=false when done.')],
          ),
          blank,
          line('Follow the restore logs', inline(on('guard.enabled'), ' (the restore runs as an init container: -c restore)'), ':'),
          line('  kubectl logs -n ', ns, ' -f -l app.kubernetes.io/instance=', release, ',app.kubernetes.io/component=restore', inline(on('guard.enabled'), ' -c restore')),
          when(and(eq(v('restore.storage.type'), 's3'), on('restore.storage.s3.latest')), [
            line('The archive chosen (the newest under the prefix) is in the logs of the find-latest init container:'),
            line('  kubectl logs -n ', ns, ' -l app.kubernetes.io/instance=', release, ',app.kubernetes.io/component=restore -c find-latest'),
          ]),
        ],
        [line('Nothing is deployed: set backup.enabled=true or restore.enabled=true.')],
      ),
    ],
  ),
  when(companion, [
    blank,
    line(
      inline(and(checks, guard), 'The S3 checks and the scale guard'),
      inline(and(checks, not(guard)), 'The S3 checks'),
      inline(not(checks), 'The scale guard'),
      ' run from the companion image ', v('companion.image.repository'), ':', orDefault(v('companion.image.tag'), PACKAGE_VERSION),
    ),
    line("(this project's image, companion.image); the backup and restore run from ", v('image.repository'), '.'),
  ]),
  when(or(on('backup.enabled'), on('restore.enabled')), [
    blank,
    line("Upgraded from OpsMill's infrahub-backup chart? Its one-shot backup and restore Jobs were Helm hooks, which"),
    line('Helm leaves behind (the backup CronJob keeps its name, ', name('backupCronJob'), '). Once they have finished:'),
    line('  kubectl delete job -n ', ns, ' ', name('fullname'), ' ', name('fullname'), '-restore --ignore-not-found'),
    when(on('guard.enabled'), [
      blank,
      line('Scale guard: a killed ', ...operation, ' leaves Infrahub scaled down; CronJob ', name('guardCronJob'), ' restores the recorded'),
      line('replicas on "', v('guard.schedule'), '" (marker: ConfigMap ', name('scaleGuard'), '; Events with reason ScaleGuardRestoredReplicas).'),
    ]),
    blank,
    line('Argo CD: an Application with selfHeal that owns the Infrahub Deployments and StatefulSets scales them back up'),
    line('in the middle of a ', ...operation, '. In that Application, ignore their replicas, and keep them when it syncs:'),
    line('  spec:'),
    line('    ignoreDifferences:'),
    line('      - group: apps'),
    line('        kind: Deployment'),
    line('        jsonPointers: [/spec/replicas]'),
    line('      - group: apps'),
    line('        kind: StatefulSet'),
    line('        jsonPointers: [/spec/replicas]'),
    line('    syncPolicy:'),
    line('      syncOptions:'),
    line('        - RespectIgnoreDifferences=true'),
    line("(or a deny sync window over the backup's schedule in its AppProject; see docs/scale-guard.md of infrahub-backup-cdk8s)."),
    when(on('monitoring.prometheusRule.enabled'), [
      line('Alerts: PrometheusRule ', name('prometheusRule'), ' in namespace ', orDefault(v('monitoring.prometheusRule.namespace'), ns), '; runbooks at ', v('monitoring.prometheusRule.runbookUrl'), '#monitoring'),
    ]),
    when(on('networkPolicy.enabled'), [
      line(
        'NetworkPolicy ', name('networkPolicy'), ': the pods reach only DNS, the Kubernetes API, S3 (when used)',
        inline(on('networkPolicy.credentialEndpoints'), ', the credential endpoints (', join(', ', v('networkPolicy.credentialEndpoints')), ')'), ' and networkPolicy.extraEgress.',
      ),
    ]),
  ]),
];
