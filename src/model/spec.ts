/**
 * The values tree of the `infrahub-backup` chart: every key, its type, its
 * default and its documentation. This is the single source from which the
 * TypeScript interfaces (`values.generated.ts`), the defaults, the JSON Schema,
 * the chart's `values.yaml` and the values table of docs/values.md are produced.
 *
 * Canonical layout: the one of the published upstream chart
 * (`restore.storage.s3.*`, `backup.storage.path`). The seed layout
 * (`restore.s3.*`, `backup.storage.local.path`) is accepted through aliases.
 */
import { BUCKET_NAME_HINT, BUCKET_NAME_PATTERN } from '../bucket-name';
import { SCHEDULE_SHAPE } from './schedule';
import { Field, ObjectField, StringField } from './spec-types';

/** The image version the chart runs unless `image.tag` says otherwise. */
export const DEFAULT_IMAGE_TAG = '2.3.0';
export const DEFAULT_IMAGE_REPOSITORY = 'registry.opsmill.io/opsmill/infrahub-backup';
/**
 * The image of this project (CLI, S3 companion, Argo CD plugin): `config.image` of package.json,
 * where the release workflow reads the repository it publishes to.
 */
export const DEFAULT_COMPANION_REPOSITORY: string = (require('../../package.json') as { config: { image: string } }).config.image;
const IMAGE_REPOSITORY = '^[a-z0-9]+([._:/-][a-z0-9]+)*$';
const IMAGE_TAG = '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$';

const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const SECRET_KEY = '^[-._a-zA-Z0-9]+$';
/**
 * No control character (C0, DEL, C1) or space; written out because `\\s` and
 * `.` mean different things in JavaScript and Go. NEL (U+0085) is left to
 * NO_CONTROL's strings: Helm's schema check reads the values back through
 * YAML, which turns NEL into a space.
 */
const SPACE_OR_CONTROL = '\\x00-\\x20\\x7f-\\x9f';
const CONTROL = '\\x00-\\x1f\\x7f-\\x84\\x86-\\x9f';
const NO_SPACE = `[^${SPACE_OR_CONTROL}]`;
const NO_CONTROL = `[^${CONTROL}]`;
const ABSOLUTE_PATH = `^/${NO_SPACE}*$`;
/** An IANA time zone name (checked against the zone list by the renderers, so Helm's error stays short). */
const TIME_ZONE = '^[A-Za-z][-+_A-Za-z0-9]*(/[-+_A-Za-z0-9]+)*$';
const GO_DURATION = '^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$';
/** IANA time zone names, links included (generated from the tzdata package), loaded on first use. */
function timeZoneNames(): readonly string[] {
  return (require('./time-zones.generated') as typeof import('./time-zones.generated')).TIME_ZONE_NAMES;
}

/** A string field that must match a pattern; the hint completes "Must be ...". */
function patterned(doc: string, def: string, pattern: string, patternHint: string, maxLength?: number): StringField {
  return { type: 'string', doc, default: def, pattern, patternHint, ...(maxLength === undefined ? {} : { maxLength }) };
}

function schedule(doc: string, def: string): StringField {
  return patterned(
    doc,
    def,
    SCHEDULE_SHAPE,
    'a cron schedule of five fields (minute hour day-of-month month day-of-week, e.g. "0 2 * * *") or a macro (@hourly, @daily, @weekly, @monthly, @yearly, @every 2h)',
  );
}

const QUANTITY = '^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$';

function secretName(doc: string): StringField {
  return patterned(doc, '', DNS_SUBDOMAIN, 'a Kubernetes Secret name (lowercase letters, digits, "-" and ".")', 253);
}

function secretKey(doc: string, def: string): StringField {
  return patterned(doc, def, SECRET_KEY, 'a Secret data key (letters, digits, "-", "_" and ".")', 253);
}

function duration(doc: string, def: string): StringField {
  // Empty means no sleep: accept it although the default is not empty.
  return patterned(doc, def, `^$|${GO_DURATION}`, 'a Go duration such as "90s", "3m" or "1h30m"');
}

function bool(doc: string, def = false): Field {
  return { type: 'boolean', doc, default: def };
}

function str(doc: string, def = ''): StringField {
  return { type: 'string', doc, default: def };
}

function extraArgs(command: string): Field {
  return { type: 'stringList', doc: `Extra arguments appended to \`infrahub-backup ${command}\`.`, default: [] };
}

const S3_BUCKET = patterned('S3 bucket name.', '', BUCKET_NAME_PATTERN, `an S3 bucket name (${BUCKET_NAME_HINT})`, 255);

const S3_ENDPOINT = patterned(
  'S3 endpoint URL for S3-compatible storage (MinIO, Ceph, GCS); empty for AWS S3. An `http://` endpoint disables TLS.',
  '',
  `^https?://[^${SPACE_OR_CONTROL}/]+(/${NO_SPACE}*)?$`,
  'a URL that starts with http:// or https://',
);

const S3_REGION = patterned('S3 region.', 'us-east-1', '^[a-z0-9-]+$', 'a region name such as us-east-1');

/** The pull policy of an image (the backup image and the companion image). */
const PULL_POLICY: StringField = {
  type: 'string',
  doc: 'Image pull policy.',
  default: 'IfNotPresent',
  enum: ['Always', 'IfNotPresent', 'Never'],
  enumName: 'ImagePullPolicy',
};

const S3_PREFIX_PATTERN = `^[^/${CONTROL}](${NO_CONTROL}*[^/${CONTROL}])?$`;

function s3CredentialFields(): Record<string, Field> {
  return {
    secretName: secretName(
      'Name of an existing Secret holding the S3 credentials. Leave empty to use the ServiceAccount identity (IRSA, workload identity) or instance credentials.',
    ),
    accessKeyIdKey: secretKey('Key of the access key id in the Secret.', 'AWS_ACCESS_KEY_ID'),
    secretAccessKeyKey: secretKey('Key of the secret access key in the Secret.', 'AWS_SECRET_ACCESS_KEY'),
    sessionTokenKey: {
      ...secretKey('Key of an optional session token in the Secret; empty for none.', ''),
    },
  };
}

const backup: ObjectField = {
  type: 'object',
  interfaceName: 'BackupValues',
  doc: 'Backups: a one-shot Job or a scheduled CronJob running `infrahub-backup create`.',
  fields: {
    enabled: bool('Deploy backups. Mutually exclusive with `restore.enabled`.'),
    id: {
      type: 'string',
      doc: 'Free-form request id of the one-shot backup Job. Change it to run a new backup with otherwise unchanged values.',
      default: '',
      maxLength: 253,
    },
    mode: {
      type: 'string',
      doc: '`job` runs one backup when applied; `cronjob` runs backups on `schedule`.',
      default: 'job',
      enum: ['job', 'cronjob'],
      enumName: 'BackupMode',
    },
    schedule: schedule('Cron schedule of the CronJob (five fields, or a macro such as `@daily`).', '0 2 * * *'),
    storage: {
      type: 'object',
      interfaceName: 'BackupStorageValues',
      doc: 'Where archives go.',
      fields: {
        type: {
          type: 'string',
          doc: '`s3` uploads each archive to S3; `local` keeps it in the backup directory (a PersistentVolumeClaim with `local.persistence`); empty picks `s3` when `s3.bucket` is set, and is refused without a bucket (OpsMill\'s chart means `s3` there): choose `local` explicitly.',
          default: '',
          enum: ['', 's3', 'local'],
          enumName: 'BackupStorageType',
        },
        path: {
          type: 'string',
          doc: 'Backup directory inside the pod, a writable volume (`INFRAHUB_BACKUP_DIR`).',
          default: '/infrahub_backups',
          pattern: ABSOLUTE_PATH,
          patternHint: 'an absolute path',
        },
        s3: {
          type: 'object',
          interfaceName: 'BackupS3Values',
          doc: 'S3 destination (used when `type` is `s3`).',
          fields: {
            bucket: S3_BUCKET,
            prefix: {
              type: 'string',
              doc: 'Key prefix of the archives; each object is `<prefix>/infrahub_backup_<timestamp>.tar.gz`.',
              default: '',
              pattern: S3_PREFIX_PATTERN,
              patternHint: 'a key prefix without a leading or trailing "/"',
            },
            endpoint: S3_ENDPOINT,
            region: S3_REGION,
            ...s3CredentialFields(),
            copy: {
              type: 'object',
              interfaceName: 'BackupCopyValues',
              doc: 'A second copy of the archives in another bucket, prefix, region, endpoint or provider (`s3 copy`, docs/copy.md): a step of the verification CronJob after `s3 verify` (and `s3 lock`), copying the newest proven archive and any other the destination lacks, newest first, each streamed, read back and compared by SHA-256. Needs `backup.verification.enabled`.',
              fields: {
                enabled: bool('Copy the proven archives to the second location after each verification run.'),
                bucket: { ...S3_BUCKET, doc: 'Bucket of the second copy (`COPY_INFRAHUB_S3_BUCKET`); required when `enabled`.' },
                prefix: {
                  type: 'string',
                  doc: 'Key prefix of the copies (`COPY_INFRAHUB_S3_PREFIX`); empty for none. Not the source\'s own bucket and prefix on the same endpoint (refused by `s3 copy`).',
                  default: '',
                  pattern: S3_PREFIX_PATTERN,
                  patternHint: 'a key prefix without a leading or trailing "/"',
                },
                endpoint: { ...S3_ENDPOINT, doc: 'S3 endpoint URL of the second copy (`COPY_INFRAHUB_S3_ENDPOINT`); empty for AWS S3. With `networkPolicy`, its port is allowed as egress to any address.' },
                region: { ...S3_REGION, doc: 'Region of the second copy (`COPY_INFRAHUB_S3_REGION`).' },
                secretName: secretName(
                  'Secret holding the credentials of the second copy (`COPY_AWS_*`): keys of its own, which the source\'s credentials cannot use to delete the copies. Empty: the source\'s `secretName` keys (the run warns), else the pod\'s cloud identity.',
                ),
                accessKeyIdKey: secretKey('Key of the access key id in the copy\'s Secret.', 'AWS_ACCESS_KEY_ID'),
                secretAccessKeyKey: secretKey('Key of the secret access key in the copy\'s Secret.', 'AWS_SECRET_ACCESS_KEY'),
                sessionTokenKey: secretKey('Key of an optional session token in the copy\'s Secret; empty for none.', ''),
                maxCopies: { type: 'integer', doc: 'At most this many archives copied per run (`--max-copies`): a first run against an empty destination catches up over several nights.', default: 3, minimum: 1 },
              },
            },
          },
        },
        local: {
          type: 'object',
          interfaceName: 'BackupLocalValues',
          doc: 'Local storage (used when `type` is `local`).',
          fields: {
            path: {
              type: 'alias',
              of: 'backup.storage.path',
              doc: 'Alias of `backup.storage.path` (seed layout).',
              shape: { type: 'string', doc: '', default: '', pattern: ABSOLUTE_PATH, patternHint: 'an absolute path' },
            },
            persistence: {
              type: 'object',
              interfaceName: 'BackupPersistenceValues',
              doc: 'A PersistentVolumeClaim at the backup directory, so local archives outlive the pod.',
              fields: {
                enabled: bool('Mount a PersistentVolumeClaim instead of an emptyDir.'),
                existingClaim: {
                  ...secretName('Use this existing claim; empty to let the chart create one (kept on uninstall).'),
                  patternHint: 'a PersistentVolumeClaim name (lowercase letters, digits, "-" and ".")',
                },
                size: {
                  type: 'string',
                  doc: 'Size of the claim the chart creates; at least twice the database size.',
                  default: '20Gi',
                  pattern: QUANTITY,
                  patternHint: 'a quantity such as 20Gi',
                },
                storageClassName: str('Storage class of the claim the chart creates; empty for the cluster default.'),
                accessModes: {
                  type: 'stringList',
                  doc: 'Access modes of the claim the chart creates.',
                  default: ['ReadWriteOnce'],
                  itemEnum: ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'],
                  minItems: 1,
                },
              },
            },
          },
        },
      },
    },
    options: {
      type: 'object',
      interfaceName: 'BackupOptionsValues',
      doc: 'Flags of `infrahub-backup create`.',
      fields: {
        force: bool('`--force`: back up even while Infrahub tasks are running.'),
        excludeTaskmanager: bool('`--exclude-taskmanager`: skip the task-manager PostgreSQL database.'),
        neo4jMetadata: {
          type: 'string',
          doc: '`--neo4jmetadata`: Neo4j metadata to include.',
          default: 'all',
          enum: ['all', 'none', 'users', 'roles'],
          enumName: 'Neo4jMetadata',
        },
        keepLocal: bool('`--s3-keep-local`: keep the local archive after the upload.'),
        sleep: duration('`--sleep` after the backup with local storage and no persistence, to copy the archive out; empty for none.', '3m'),
        extraArgs: extraArgs('create'),
      },
    },
    encryption: {
      type: 'object',
      interfaceName: 'BackupEncryptionValues',
      doc: 'Archive encryption with a public key of yours (`--encrypt-key`), made with `infrahub-backup keygen` (docs/encryption.md). `--encrypt` in `options.extraArgs` without a key of yours is refused: the tool would encrypt to OpsMill\'s built-in key.',
      fields: {
        secretName: secretName('Secret holding the public key (the `.pub` file of `infrahub-backup keygen`); empty for unencrypted archives.'),
        key: secretKey('Key of the public key file in the Secret.', 'public.pem'),
      },
    },
    retention: {
      type: 'object',
      interfaceName: 'BackupRetentionValues',
      doc: 'Deletion of old archives in S3 by a CronJob of the companion image (`s3 prune`). Only archives `s3 verify` proved restorable count (the verification CronJob proves them: enable it, and schedule it before retention); every archive newer than the newest proven one is kept, and without any proven archive nothing is deleted.',
      fields: {
        enabled: bool('Run the retention CronJob (S3 storage only; with local storage, delete old archives from the volume yourself).'),
        schedule: schedule('Cron schedule of the retention run: after the verification run, so that the night\'s archive is proven before retention counts.', '0 6 * * *'),
        keepLast: { type: 'integer', doc: 'Proven archives kept, newest first (every newer archive is kept too).', default: 7, minimum: 1 },
        keepDays: { type: 'integer', doc: 'Also keep every archive younger than this many days; 0 for none.', default: 0, minimum: 0 },
        keepDaily: { type: 'integer', doc: 'Also keep the newest proven archive of each of the N newest calendar days that have one (`--keep-daily`), in `cronJob.timeZone` (else UTC); 0 for none.', default: 0, minimum: 0 },
        keepWeekly: { type: 'integer', doc: 'Also keep the newest proven archive of each of the N newest ISO weeks that have one (`--keep-weekly`); 0 for none.', default: 0, minimum: 0 },
        keepMonthly: { type: 'integer', doc: 'Also keep the newest proven archive of each of the N newest calendar months that have one (`--keep-monthly`); 0 for none.', default: 0, minimum: 0 },
        keepYearly: { type: 'integer', doc: 'Also keep the newest proven archive of each of the N newest calendar years that have one (`--keep-yearly`); 0 for none.', default: 0, minimum: 0 },
      },
    },
    objectLock: {
      type: 'object',
      interfaceName: 'BackupObjectLockValues',
      doc: 'S3 Object Lock on the archives (`s3 lock`, docs/retention.md): a step of the verification CronJob after `s3 verify` sets, on every restorable archive without a retention in force, a retention until its upload time + `days`; never shortens one. The bucket must have Object Lock. Needs `backup.verification.enabled`.',
      fields: {
        enabled: bool('Lock the archives after each verification run.'),
        mode: {
          type: 'string',
          doc: '`GOVERNANCE` (a principal allowed `s3:BypassGovernanceRetention` can still delete) or `COMPLIANCE` (no one can before the date, the root user included, and the date cannot be shortened).',
          default: 'GOVERNANCE',
          enum: ['GOVERNANCE', 'COMPLIANCE'],
          enumName: 'ObjectLockMode',
        },
        days: { type: 'integer', doc: 'Days each archive stays locked after its upload (`--days`); at least 1 when `enabled` (the storage stays paid until then).', default: 0, minimum: 0, maximum: 36500 },
      },
    },
    verification: {
      type: 'object',
      interfaceName: 'BackupVerificationValues',
      doc: 'A CronJob of the companion image that streams the newest archive from S3, checks its checksums and records the proof beside it (`s3 verify --latest`): retention and `latest` count only proven archives.',
      fields: {
        enabled: bool('Run the verification CronJob (S3 storage and unencrypted archives only: it holds no private key).'),
        schedule: schedule('Cron schedule of the verification run: after the backup, before retention.', '0 5 * * *'),
      },
    },
  },
};

const restoreS3Fields: Record<string, Field> = {
  bucket: { ...S3_BUCKET, doc: 'S3 bucket holding the archive.' },
  prefix: {
    type: 'string',
    doc: 'Key prefix the archives live under (used with `latest`; match the backups\' `backup.storage.s3.prefix`).',
    default: '',
    pattern: S3_PREFIX_PATTERN,
    patternHint: 'a key prefix without a leading or trailing "/"',
  },
  key: {
    type: 'string',
    doc: 'Full object key of the archive to restore. Exactly one of `key` and `latest`.',
    default: '',
    pattern: `^[^/${CONTROL}]${NO_CONTROL}*$`,
    patternHint: 'an object key without a leading "/" or control characters',
    maxLength: 1024,
  },
  latest: bool('Restore the newest archive under `bucket`/`prefix`: the newest one `s3 verify` proved restorable (the verification CronJob). Exactly one of `key` and `latest`.'),
  acceptUnproven: bool(
    'With `latest`: restore an archive newer than the newest proven one when its first and last bytes look complete (`s3 latest --accept-unproven`), and restore at all when none is proven (no verification CronJob). Off: the restore fails rather than take an archive nobody has read whole.',
  ),
  endpoint: S3_ENDPOINT,
  region: S3_REGION,
  ...s3CredentialFields(),
};

const restore: ObjectField = {
  type: 'object',
  interfaceName: 'RestoreValues',
  doc: 'Restores: a one-shot Job (or a scheduled CronJob) running `infrahub-backup restore`. Destructive: it overwrites the running Infrahub.',
  fields: {
    enabled: bool('Deploy a restore. Mutually exclusive with `backup.enabled`.'),
    id: {
      type: 'string',
      doc: 'Free-form request id. The restore Job is named after the request; change `id` to restore again with otherwise unchanged values.',
      default: '',
      maxLength: 253,
    },
    mode: {
      type: 'string',
      doc: '`job` restores once; `cronjob` restores on `schedule` (e.g. a nightly production-to-staging refresh; S3 only).',
      default: 'job',
      enum: ['job', 'cronjob'],
      enumName: 'RestoreMode',
    },
    schedule: schedule('Cron schedule of a scheduled restore.', '0 4 * * *'),
    storage: {
      type: 'object',
      interfaceName: 'RestoreStorageValues',
      doc: 'Where the archive comes from.',
      fields: {
        type: {
          type: 'string',
          doc: '`s3` downloads the archive; `local` reads it from the backup directory.',
          default: 's3',
          enum: ['s3', 'local'],
          enumName: 'RestoreStorageType',
        },
        path: {
          type: 'string',
          doc: 'Backup directory inside the pod (`INFRAHUB_BACKUP_DIR`).',
          default: '/infrahub_backups',
          pattern: ABSOLUTE_PATH,
          patternHint: 'an absolute path',
        },
        s3: {
          type: 'object',
          interfaceName: 'RestoreS3Values',
          doc: 'S3 location of the archive.',
          fields: restoreS3Fields,
        },
        local: {
          type: 'object',
          interfaceName: 'RestoreLocalValues',
          doc: 'Local archive (used when `type` is `local`).',
          fields: {
            filename: {
              type: 'string',
              doc: 'File name of the archive in the backup directory.',
              default: 'infrahub_backup_latest.tar.gz',
              pattern: `^[^/${SPACE_OR_CONTROL}]+$`,
              patternHint: 'a file name without "/"',
            },
            existingClaim: {
              ...secretName('PersistentVolumeClaim holding the archive (e.g. the backups\' claim); empty for an emptyDir filled by hand during `options.sleep`.'),
              patternHint: 'a PersistentVolumeClaim name (lowercase letters, digits, "-" and ".")',
            },
          },
        },
      },
    },
    s3: {
      type: 'alias',
      of: 'restore.storage.s3',
      doc: 'Alias of `restore.storage.s3` (seed layout).',
      shape: {
        type: 'object',
        interfaceName: 'RestoreS3AliasValues',
        doc: 'Alias of `restore.storage.s3` (seed layout).',
        fields: {
          bucket: restoreS3Fields.bucket,
          key: restoreS3Fields.key,
          endpoint: restoreS3Fields.endpoint,
          region: restoreS3Fields.region,
          secretName: restoreS3Fields.secretName,
        },
      },
    },
    options: {
      type: 'object',
      interfaceName: 'RestoreOptionsValues',
      doc: 'Flags of `infrahub-backup restore`.',
      fields: {
        excludeTaskmanager: bool('`--exclude-taskmanager`: leave the task-manager database as it is.'),
        migrateFormat: bool('`--migrate-format`: migrate Neo4j to the block format after the restore.'),
        resetDeploymentId: bool('`--reset-deployment-id`: give the restored instance a new deployment id (clones).'),
        sleep: duration('`--sleep` before a restore from local storage without a claim, to copy the archive in; empty for none.', '3m'),
        extraArgs: extraArgs('restore'),
      },
    },
    decryption: {
      type: 'object',
      interfaceName: 'RestoreDecryptionValues',
      doc: 'Decryption of encrypted archives with a private key (`--decrypt-key`): the one `infrahub-backup keygen` wrote beside the public key of `backup.encryption` (docs/encryption.md).',
      fields: {
        secretName: secretName('Secret holding the private key (PEM); empty for unencrypted archives. Create it only where and when a restore runs.'),
        key: secretKey('Key of the private key file in the Secret.', 'private.pem'),
      },
    },
  },
};

/**
 * A duration as Prometheus writes it (and as `s3 latest --max-age` reads it):
 * integer+unit groups (up to six digits each), units w, d, h, m, s, largest first
 * (`26h`, `1d2h`, `90m`).
 */
export const PROMETHEUS_DURATION_PATTERN =
  '^([0-9]{1,6}w([0-9]{1,6}d)?([0-9]{1,6}h)?([0-9]{1,6}m)?([0-9]{1,6}s)?|[0-9]{1,6}d([0-9]{1,6}h)?([0-9]{1,6}m)?([0-9]{1,6}s)?|[0-9]{1,6}h([0-9]{1,6}m)?([0-9]{1,6}s)?|[0-9]{1,6}m([0-9]{1,6}s)?|[0-9]{1,6}s)$';

function promDuration(doc: string, def: string): StringField {
  return patterned(doc, def, PROMETHEUS_DURATION_PATTERN, 'a duration such as "26h", "1d2h" or "90m" (units w, d, h, m, s, largest first)', 24);
}

/** An IPv4 or IPv6 CIDR, as a NetworkPolicy's `ipBlock.cidr` takes it. */
const CIDR_PATTERN =
  '^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}/(3[0-2]|[12]?[0-9])|[0-9a-fA-F:]*:[0-9a-fA-F:.]*/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))$';

function cidrs(doc: string): Field {
  return { type: 'stringList', doc, default: [], itemPattern: CIDR_PATTERN, itemPatternHint: 'a CIDR such as 10.0.0.1/32 or fd00::/64' };
}

/** Where the alerts' runbooks live: one page per alert, `/<alert name>.md` appended (docs/runbooks/ of this project). */
export const DEFAULT_RUNBOOK_URL = 'https://github.com/opsmill/infrahub-backup-cdk8s/blob/main/docs/runbooks';

const monitoring: ObjectField = {
  type: 'object',
  interfaceName: 'MonitoringValues',
  doc: 'Knowing when backups stop: alert rules on kube-state-metrics series, a freshness check of the newest archive in S3, a heartbeat URL.',
  fields: {
    backupMaxAge: promDuration(
      'Age after which the newest backup counts as missing: `InfrahubBackupMissing` fires and the freshness check (`s3 latest --max-age`) fails. Empty for the longest gap between two runs of `backup.schedule` plus 2h, read over a 28-year calendar cycle (26h for a daily schedule, 8786h for `0 2 31 1 *`). With a `cronJob.timeZone` whose clock shifts, the gap grows by the zone\'s offset range; when a run falls in the hours a shift skips (the controller then skips it), a schedule that runs every day gets twice its gap plus twice the range (52h for `0 2 * * *` in Europe/Paris) and a sparser one is refused: set this value. See docs/max-age.md.',
      '',
    ),
    prometheusRule: {
      type: 'object',
      interfaceName: 'PrometheusRuleValues',
      doc: 'A PrometheusRule (`monitoring.coreos.com/v1`, for the Prometheus operator) with the alerts of docs/monitoring.md, on kube-state-metrics series of this release\'s objects.',
      fields: {
        enabled: bool('Create the PrometheusRule.'),
        namespace: {
          type: 'string',
          doc: 'Namespace of the PrometheusRule (one the Prometheus operator watches); empty for the release namespace. The rules always watch the release namespace.',
          default: '',
          pattern: DNS_LABEL,
          patternHint: 'a namespace name (lowercase letters, digits and "-")',
          maxLength: 63,
        },
        labels: { type: 'stringMap', doc: 'Labels of the PrometheusRule, to match the Prometheus operator\'s `ruleSelector` (e.g. `release: kube-prometheus-stack`).', default: {} },
        suspendedFor: promDuration('How long the backup CronJob may stay suspended before `InfrahubBackupCronJobSuspended` fires.', '1h'),
        scaledDownFor: promDuration(
          'How long Infrahub\'s workloads may stay at zero replicas, with no backup or restore Job of any release of this chart in the namespace running for less than `expectedJobDuration`, before `InfrahubScaledDownAfterBackup` fires.',
          '15m',
        ),
        expectedJobDuration: promDuration(
          'Longest time a backup or restore Job is expected to run. Infrahub at zero replicas while every running backup or restore Job of the namespace is older than this is a hung Job: `InfrahubScaledDownAfterBackup` fires `scaledDownFor` later. A running backup Job holds `InfrahubBackupMissing` until it is older than `job.activeDeadlineSeconds`, or than this when that is unset. 0 is refused: no running Job would hold the alerts.',
          '3h',
        ),
        infrahubWorkloads: {
          type: 'string',
          doc: 'Regular expression (RE2, whole name) matching the names of Infrahub\'s Deployments and StatefulSets that a backup or restore scales down. Checked at render time against the subset of RE2 that the chart can prove Prometheus accepts (literal characters, `.`, `[...]`, `(...)`, `(?:...)`, `|`, `^`, `$`, `*`, `+`, `?`, `{n,m}`): Prometheus refuses the whole rule group over one matcher it cannot compile.',
          default: '.*(infrahub-server|task-worker).*',
          // Printable ASCII (Kubernetes names are ASCII): PromQL's lexer refuses U+FFFD in a string and YAML readers U+FFFE,
          // and Prometheus would drop the whole group over either. No quote or backslash: the text goes inside a PromQL string.
          pattern: '^[\\x21\\x23-\\x5b\\x5d-\\x7e]+$',
          patternHint: 'a regular expression of printable ASCII characters, without spaces, quotes or backslashes',
          maxLength: 253,
        },
        runbookUrl: {
          type: 'string',
          doc: 'Folder of the runbooks, one page per alert: each alert links to `<runbookUrl>/<alert name>.md` (e.g. `.../docs/runbooks/InfrahubBackupMissing.md`). For a mirror, copy the pages of docs/runbooks/ under one folder and give its URL (a trailing "/" is dropped).',
          default: DEFAULT_RUNBOOK_URL,
          // Prometheus reads annotations as templates: "{{" would start an action, and a template it cannot parse makes it refuse the whole group.
          pattern: `^https?://(?:(?:[^${SPACE_OR_CONTROL}#"{]|\\{[^${SPACE_OR_CONTROL}#"{])+\\{?|\\{)$`,
          patternHint: 'an http:// or https:// URL without a "#" fragment and without "{{" (Prometheus reads it as a template)',
        },
      },
    },
    freshness: {
      type: 'object',
      interfaceName: 'FreshnessValues',
      doc: 'A check, in the bucket, that the newest archive is younger than `backupMaxAge` (`s3 latest --max-age`): a backup that "succeeds" without uploading fails it. S3 storage only.',
      fields: {
        enabled: bool('Check the age of the newest archive: first thing in the verification CronJob when `backup.verification` is on, else in a CronJob of its own.'),
        schedule: schedule('Cron schedule of the freshness-only CronJob (when `backup.verification` is off).', '15 * * * *'),
      },
    },
    grafanaDashboard: {
      type: 'object',
      interfaceName: 'GrafanaDashboardValues',
      doc: 'A ConfigMap holding a Grafana dashboard of the scheduled backups (age of the last success, run durations, failures), for the Grafana sidecar that loads labelled ConfigMaps; from the same kube-state-metrics series as the alerts.',
      fields: {
        enabled: bool('Create the dashboard ConfigMap (scheduled backups only).'),
        namespace: {
          type: 'string',
          doc: 'Namespace of the ConfigMap (one the Grafana sidecar watches); empty for the release namespace.',
          default: '',
          pattern: DNS_LABEL,
          patternHint: 'a namespace name (lowercase letters, digits and "-")',
          maxLength: 63,
        },
        labels: { type: 'stringMap', doc: 'Labels of the ConfigMap: the one the Grafana sidecar looks for (`sidecar.dashboards.label`).', default: { grafana_dashboard: '1' } },
      },
    },
    heartbeat: {
      type: 'object',
      interfaceName: 'HeartbeatValues',
      doc: 'A dead man\'s switch (healthchecks.io and compatible services): the companion CronJobs (retention, verification, freshness) request the URL when they succeed and the newest restorable archive is younger than the maximum age (`monitoring.backupMaxAge`, passed as `INFRAHUB_BACKUP_HEARTBEAT_MAX_AGE`), and POST the error line to `<url>/fail` otherwise.',
      fields: {
        secretName: secretName(
          'Secret holding the heartbeat URL (`INFRAHUB_BACKUP_HEARTBEAT_URL`); empty for no heartbeat. Needs a CronJob that pings: `backup.retention`, `backup.verification` or `monitoring.freshness` of a backup to S3 (refused otherwise).',
        ),
        key: secretKey('Key of the URL in the Secret.', 'url'),
      },
    },
  },
};

const networkPolicy: ObjectField = {
  type: 'object',
  interfaceName: 'NetworkPolicyValues',
  doc: 'A NetworkPolicy for this release\'s backup, restore and companion pods: no ingress; egress to DNS, the Kubernetes API, S3, the `credentialEndpoints` and `extraEgress` only.',
  fields: {
    enabled: bool('Create the NetworkPolicy.'),
    apiServer: {
      type: 'object',
      interfaceName: 'NetworkPolicyApiServerValues',
      doc: 'Egress to the Kubernetes API server (the image drives Infrahub with kubectl).',
      fields: {
        cidrs: cidrs('Addresses of the API server (its endpoints, as `kubectl get endpoints kubernetes -n default` shows them, `/32` each); empty allows any host, in or outside the cluster, on `ports`. On Cilium an API server running on the cluster\'s nodes is not matched by addresses unless Cilium runs with `policy-cidr-match-mode: nodes` (docs/security.md, Network policy).'),
        ports: {
          type: 'kubernetes',
          kubernetesType: 'NetworkPolicyPort[]',
          list: true,
          requiredKeys: ['port'],
          minItems: 1,
          doc: 'Ports of the API server: the Service port (443) and the endpoints\' port (often 6443), as policies apply after the Service is translated. At least one: without it the pods could not reach the API they drive Infrahub with.',
          default: [
            { port: 443, protocol: 'TCP' },
            { port: 6443, protocol: 'TCP' },
          ],
        },
      },
    },
    s3: {
      type: 'object',
      interfaceName: 'NetworkPolicyS3Values',
      doc: 'Egress to the S3 endpoint of the backups or the restore.',
      fields: {
        cidrs: cidrs('Addresses of the S3 endpoint; empty allows any host, in or outside the cluster, on `port`.'),
        port: {
          type: 'integer',
          doc: 'Port of the S3 endpoint; not set for the endpoint URL\'s port (443 for AWS S3 and https://, 80 for http://).',
          default: null,
          minimum: 1,
          maximum: 65535,
        },
      },
    },
    credentialEndpoints: {
      type: 'stringList',
      doc: 'Where the pods get S3 credentials when the S3 `secretName` is empty (ServiceAccount identity or node credentials), each allowed as egress: `eks-pod-identity` (EKS Pod Identity agent, 169.254.170.23 and fd00:ec2::23, port 80), `instance-metadata` (EC2 IMDS or GKE\'s metadata server, 169.254.169.254 and fd00:ec2::254, port 80; it also serves the node\'s own credentials), `web-identity` (IRSA or Azure workload identity: STS or Entra ID, any address on port 443). Empty for none: with an S3 `secretName` the pods need none, and an empty `secretName` with the policy on and no endpoint here is refused.',
      default: [],
      itemEnum: ['eks-pod-identity', 'instance-metadata', 'web-identity'],
    },
    extraEgress: {
      type: 'kubernetes',
      kubernetesType: 'NetworkPolicyEgressRule[]',
      list: true,
      doc: 'More egress rules, appended unchanged (e.g. a proxy, or the heartbeat service).',
      default: [],
    },
  },
};

/** The root of the values tree. */
export const VALUES_SPEC: ObjectField = {
  type: 'object',
  interfaceName: 'InfrahubBackupValues',
  doc: 'Values of the infrahub-backup chart.',
  fields: {
    enabled: bool('Read by the Infrahub umbrella chart (`condition: infrahub-backup.enabled`); ignored by this chart.'),
    global: {
      type: 'kubernetes',
      kubernetesType: 'object',
      list: false,
      doc: 'Helm global values shared with a parent chart. This chart reads only `imageRegistry`, as Bitnami\'s charts do: a registry host (`mirror.example.com`, `harbor.example.com:8443/proxy`) from which every image is pulled, the backup image and the companion image; their repositories keep their path and lose their own registry host.',
      default: {},
    },
    nameOverride: {
      type: 'string',
      doc: 'Replaces the chart name in object names.',
      default: '',
      pattern: DNS_LABEL,
      patternHint: 'a DNS label (lowercase letters, digits and "-")',
      maxLength: 63,
    },
    fullnameOverride: {
      type: 'string',
      doc: 'Replaces the `<release>-<chart>` prefix of object names.',
      default: '',
      pattern: DNS_LABEL,
      patternHint: 'a DNS label (lowercase letters, digits and "-")',
      maxLength: 63,
    },
    serviceAccount: {
      type: 'object',
      interfaceName: 'ServiceAccountValues',
      doc: 'The ServiceAccount the pods run as (its token is what kubectl uses).',
      fields: {
        create: bool('Create the ServiceAccount.', true),
        name: {
          ...secretName('Name of the ServiceAccount; empty for the fullname (or `default` when not created).'),
          patternHint: 'a ServiceAccount name (lowercase letters, digits, "-" and ".")',
        },
        annotations: {
          type: 'stringMap',
          doc: 'Annotations of the ServiceAccount (e.g. `eks.amazonaws.com/role-arn` for IRSA).',
          default: {},
        },
      },
    },
    rbac: {
      type: 'object',
      interfaceName: 'RbacValues',
      doc: 'The namespaced Role and RoleBinding the image needs.',
      fields: {
        create: bool('Create the Role and RoleBinding.', true),
      },
    },
    backup,
    restore,
    guard: {
      type: 'object',
      interfaceName: 'GuardValues',
      doc: 'The scale guard (docs/scale-guard.md): the backup and restore pods record the replicas of the Infrahub workloads the image scales to zero before it runs (`guard record`) and clear the record after success (`guard clear`); a CronJob (`guard repair`) restores the recorded replicas when a run was killed midway. Rendered only with a backup or a restore.',
      fields: {
        enabled: bool('Record and clear around every backup and restore, and render the guard CronJob. Off: the pods run the image alone, as before, with no proof of the upload.', true),
        schedule: schedule('Cron schedule of the guard CronJob (`guard repair`): at most this long (plus the pods\' start) after a backup or restore was killed, Infrahub is scaled back up.', '*/5 * * * *'),
      },
    },
    companion: {
      type: 'object',
      interfaceName: 'CompanionValues',
      doc: 'The image of this project, which checks S3 before backups and restores, resolves the newest archive, prunes and verifies.',
      fields: {
        image: {
          type: 'object',
          interfaceName: 'CompanionImageValues',
          doc: 'The companion image.',
          fields: {
            repository: {
              type: 'string',
              doc: 'Image repository.',
              default: DEFAULT_COMPANION_REPOSITORY,
              pattern: IMAGE_REPOSITORY,
              patternHint: 'an image repository such as registry.example.com/team/infrahub-backup-cdk8s',
            },
            tag: {
              type: 'string',
              doc: 'Image tag; empty for the version of this chart.',
              default: '',
              pattern: IMAGE_TAG,
              patternHint: 'an image tag (letters, digits, "_", "." and "-")',
            },
            pullPolicy: PULL_POLICY,
          },
        },
        preflight: bool('Check S3 (credentials, bucket, write access or the archive) in an init container before every backup and restore, so a restore never scales Infrahub down for an archive that is not there.', true),
        resources: {
          type: 'object',
          interfaceName: 'CompanionResourcesValues',
          doc: 'Resources of the companion containers.',
          fields: {
            requests: { type: 'stringMap', allowNumbers: true, doc: 'Resource requests.', default: { cpu: '10m', memory: '128Mi' } },
            limits: { type: 'stringMap', allowNumbers: true, doc: 'Resource limits.', default: { memory: '256Mi' } },
          },
        },
      },
    },
    neo4j: {
      type: 'object',
      interfaceName: 'Neo4jValues',
      doc: 'Neo4j credentials. By default the image reads them from the running database container.',
      fields: {
        secretName: secretName('Secret holding the Neo4j password (`INFRAHUB_DB_PASSWORD`); empty to read it from the database container.'),
        passwordKey: secretKey('Key of the password in the Secret.', 'password'),
        usernameKey: secretKey('Key of the username in the Secret (`INFRAHUB_DB_USERNAME`); empty to read it from the container.', ''),
      },
    },
    image: {
      type: 'object',
      interfaceName: 'ImageValues',
      doc: 'The infrahub-backup image.',
      fields: {
        repository: {
          type: 'string',
          doc: 'Image repository.',
          default: DEFAULT_IMAGE_REPOSITORY,
          pattern: IMAGE_REPOSITORY,
          patternHint: 'an image repository such as registry.example.com/team/infrahub-backup',
        },
        tag: {
          type: 'string',
          doc: `Image tag; empty for ${DEFAULT_IMAGE_TAG}.`,
          default: DEFAULT_IMAGE_TAG,
          pattern: '^$|^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$',
          patternHint: 'an image tag (letters, digits, "_", "." and "-")',
        },
        digest: {
          type: 'string',
          doc: 'Image digest (`sha256:...`); when set the image is pulled by digest.',
          default: '',
          pattern: '^sha256:[a-f0-9]{64}$',
          patternHint: 'sha256: followed by 64 hexadecimal digits',
        },
        pullPolicy: PULL_POLICY,
      },
    },
    imagePullSecrets: {
      type: 'kubernetes',
      kubernetesType: 'LocalObjectReference[]',
      list: true,
      requiredKeys: ['name'],
      doc: 'Pull secrets for a private registry, as `[{name: ...}]`.',
      default: [],
    },
    logFormat: {
      type: 'string',
      doc: 'Log format of the image (`INFRAHUB_LOG_FORMAT`).',
      default: 'text',
      enum: ['text', 'json'],
      enumName: 'LogFormat',
    },
    resources: {
      type: 'object',
      interfaceName: 'ResourcesValues',
      doc: 'Resources of the backup and restore containers.',
      fields: {
        requests: { type: 'stringMap', allowNumbers: true, doc: 'Resource requests.', default: { cpu: '100m', memory: '256Mi' } },
        limits: {
          type: 'stringMap',
          allowNumbers: true,
          doc: 'Resource limits; none by default, as in OpsMill\'s chart (the dump of a large database needs memory that grows with it). Set `memory` to what a backup of your database peaks at, plus a margin.',
          default: {},
        },
      },
    },
    scratch: {
      type: 'object',
      interfaceName: 'ScratchValues',
      doc: 'The emptyDir volumes at `/tmp` (staging) and at the backup directory.',
      fields: {
        sizeLimit: {
          type: 'string',
          doc: 'Size limit of each scratch volume (`/tmp` and the backup directory on an emptyDir); empty for none, as in OpsMill\'s chart. A pod that writes more is evicted: allow about twice the database size.',
          default: '',
          pattern: `^$|${QUANTITY}`,
          patternHint: 'a quantity such as 20Gi',
        },
      },
    },
    nodeSelector: { type: 'stringMap', doc: 'Node selector of the pods.', default: {} },
    tolerations: { type: 'kubernetes', kubernetesType: 'Toleration[]', list: true, doc: 'Tolerations of the pods.', default: [] },
    affinity: { type: 'kubernetes', kubernetesType: 'Affinity', list: false, doc: 'Affinity of the pods.', default: {} },
    priorityClassName: {
      ...secretName('Priority class of the pods.'),
      patternHint: 'a PriorityClass name (lowercase letters, digits, "-" and ".")',
    },
    podAnnotations: { type: 'stringMap', doc: 'Extra annotations of the pods.', default: {} },
    podLabels: { type: 'stringMap', doc: 'Extra labels of the pods.', default: {} },
    podSecurityContext: {
      type: 'kubernetes',
      kubernetesType: 'PodSecurityContext',
      list: false,
      pruneEmpty: true,
      doc: 'Pod security context, merged key by key over the restricted defaults.',
      default: {
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        fsGroup: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      },
    },
    securityContext: {
      type: 'kubernetes',
      kubernetesType: 'SecurityContext',
      list: false,
      pruneEmpty: true,
      doc: 'Container security context, merged key by key over the restricted defaults.',
      default: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      },
    },
    extraEnv: {
      type: 'kubernetes',
      kubernetesType: 'EnvVar[]',
      list: true,
      requiredKeys: ['name'],
      doc: 'Extra environment variables of the containers.',
      default: [],
    },
    extraVolumes: {
      type: 'kubernetes',
      kubernetesType: 'Volume[]',
      list: true,
      requiredKeys: ['name'],
      doc: 'Extra volumes of the pods.',
      default: [],
    },
    extraVolumeMounts: {
      type: 'kubernetes',
      kubernetesType: 'VolumeMount[]',
      list: true,
      requiredKeys: ['name', 'mountPath'],
      doc: 'Extra volume mounts of the containers.',
      default: [],
    },
    cronJob: {
      type: 'object',
      interfaceName: 'CronJobValues',
      doc: 'Settings of the CronJobs (scheduled backups and restores).',
      fields: {
        timeZone: {
          type: 'string',
          doc: 'IANA time zone of the schedule (e.g. `Europe/Paris`); empty for the controller\'s time zone (usually UTC).',
          default: '',
          pattern: TIME_ZONE,
          get knownValues() {
            return timeZoneNames();
          },
          patternHint: 'an IANA time zone name such as UTC or Europe/Paris',
        },
        concurrencyPolicy: {
          type: 'string',
          doc: 'What to do when a run is due while the previous one still runs (scheduled backups). A scheduled restore always uses `Forbid`, whatever this says (the renderers warn when it differs).',
          default: 'Forbid',
          enum: ['Forbid', 'Replace', 'Allow'],
          enumName: 'ConcurrencyPolicy',
        },
        successfulJobsHistoryLimit: { type: 'integer', doc: 'Successful Jobs kept.', default: 3, minimum: 0 },
        failedJobsHistoryLimit: { type: 'integer', doc: 'Failed Jobs kept.', default: 3, minimum: 0 },
        startingDeadlineSeconds: { type: 'integer', doc: 'Seconds after the scheduled time during which a missed run may still start.', default: null, minimum: 0 },
        suspend: bool('Suspend the CronJob.'),
      },
    },
    job: {
      type: 'object',
      interfaceName: 'JobValues',
      doc: 'Settings of the Jobs. Restores always use `backoffLimit: 0` and no TTL, whatever `backoffLimit` and `ttlSecondsAfterFinished` say (the renderers warn when they differ).',
      fields: {
        backoffLimit: { type: 'integer', doc: 'Retries of a failed backup pod. Backups only: a restore is never retried (0), whatever this says; the renderers warn when it differs.', default: 0, minimum: 0 },
        ttlSecondsAfterFinished: {
          type: 'integer',
          doc: 'Seconds before a finished backup Job is deleted; keep it unset under GitOps, which would recreate (and re-run) a deleted Job. Backups only: a restore Job is never deleted by a TTL, whatever this says; the renderers warn when it is set.',
          default: null,
          minimum: 0,
        },
        activeDeadlineSeconds: {
          type: 'integer',
          doc: 'Seconds after which a running Job (backup, restore, companion CronJobs) is stopped and marked failed: 6 hours. Size it above the longest backup of your database (dump plus upload; see docs/scale-guard.md) and above `monitoring.prometheusRule.expectedJobDuration`. When it stops a backup or restore midway, the scale guard restores the recorded replicas within `guard.schedule`.',
          default: 21600,
          minimum: 1,
        },
      },
    },
    monitoring,
    networkPolicy,
  },
};
