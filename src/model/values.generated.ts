// Generated from src/model/spec.ts by `npm run generate`. Do not edit.
import type { k8s } from '../imports/k8s';

/**
 * Allowed values of the fields typed `BackupMode`.
 */
export enum BackupMode {
  JOB = 'job',
  CRONJOB = 'cronjob',
}

/**
 * Allowed values of the fields typed `BackupStorageType`.
 */
export enum BackupStorageType {
  AUTO = '',
  S3 = 's3',
  LOCAL = 'local',
}

/**
 * Allowed values of the fields typed `Neo4jMetadata`.
 */
export enum Neo4jMetadata {
  ALL = 'all',
  NONE = 'none',
  USERS = 'users',
  ROLES = 'roles',
}

/**
 * Allowed values of the fields typed `ObjectLockMode`.
 */
export enum ObjectLockMode {
  GOVERNANCE = 'GOVERNANCE',
  COMPLIANCE = 'COMPLIANCE',
}

/**
 * Allowed values of the fields typed `RestoreMode`.
 */
export enum RestoreMode {
  JOB = 'job',
  CRONJOB = 'cronjob',
}

/**
 * Allowed values of the fields typed `RestoreStorageType`.
 */
export enum RestoreStorageType {
  S3 = 's3',
  LOCAL = 'local',
}

/**
 * Allowed values of the fields typed `ImagePullPolicy`.
 */
export enum ImagePullPolicy {
  ALWAYS = 'Always',
  IF_NOT_PRESENT = 'IfNotPresent',
  NEVER = 'Never',
}

/**
 * Allowed values of the fields typed `LogFormat`.
 */
export enum LogFormat {
  TEXT = 'text',
  JSON = 'json',
}

/**
 * Allowed values of the fields typed `ConcurrencyPolicy`.
 */
export enum ConcurrencyPolicy {
  FORBID = 'Forbid',
  REPLACE = 'Replace',
  ALLOW = 'Allow',
}

/**
 * Values of the infrahub-backup chart.
 */
export interface InfrahubBackupValues {
  /**
   * Read by the Infrahub umbrella chart (`condition: infrahub-backup.enabled`); ignored by this chart.
   *
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * Helm global values shared with a parent chart. This chart reads only `imageRegistry`, as Bitnami's charts do: a registry host (`mirror.example.com`, `harbor.example.com:8443/proxy`) from which every image is pulled, the backup image and the companion image; their repositories keep their path and lose their own registry host.
   *
   * Free-form, passed through unchanged.
   *
   * @default {}
   */
  readonly global?: unknown;
  /**
   * Replaces the chart name in object names.
   *
   * @default ""
   */
  readonly nameOverride?: string;
  /**
   * Replaces the `<release>-<chart>` prefix of object names.
   *
   * @default ""
   */
  readonly fullnameOverride?: string;
  /**
   * The ServiceAccount the pods run as (its token is what kubectl uses).
   *
   * @default - see the fields
   */
  readonly serviceAccount?: ServiceAccountValues;
  /**
   * The namespaced Role and RoleBinding the image needs.
   *
   * @default - see the fields
   */
  readonly rbac?: RbacValues;
  /**
   * Backups: a one-shot Job or a scheduled CronJob running `infrahub-backup create`.
   *
   * @default - see the fields
   */
  readonly backup?: BackupValues;
  /**
   * Restores: a one-shot Job (or a scheduled CronJob) running `infrahub-backup restore`. Destructive: it overwrites the running Infrahub.
   *
   * @default - see the fields
   */
  readonly restore?: RestoreValues;
  /**
   * The scale guard (docs/scale-guard.md): the backup and restore pods record the replicas of the Infrahub workloads the image scales to zero before it runs (`guard record`) and clear the record after success (`guard clear`); a CronJob (`guard repair`) restores the recorded replicas when a run was killed midway. Rendered only with a backup or a restore.
   *
   * @default - see the fields
   */
  readonly guard?: GuardValues;
  /**
   * The image of this project, which checks S3 before backups and restores, resolves the newest archive, prunes and verifies.
   *
   * @default - see the fields
   */
  readonly companion?: CompanionValues;
  /**
   * Neo4j credentials. By default the image reads them from the running database container.
   *
   * @default - see the fields
   */
  readonly neo4j?: Neo4jValues;
  /**
   * The infrahub-backup image.
   *
   * @default - see the fields
   */
  readonly image?: ImageValues;
  /**
   * Pull secrets for a private registry, as `[{name: ...}]`.
   *
   * A Kubernetes 1.28 `LocalObjectReference[]` (`k8s.LocalObjectReference` of cdk8s-plus-28), passed through to the pods.
   *
   * @default []
   */
  readonly imagePullSecrets?: k8s.LocalObjectReference[];
  /**
   * Log format of the image (`INFRAHUB_LOG_FORMAT`).
   *
   * @default "text"
   */
  readonly logFormat?: LogFormat;
  /**
   * Resources of the backup and restore containers.
   *
   * @default - see the fields
   */
  readonly resources?: ResourcesValues;
  /**
   * The emptyDir volumes at `/tmp` (staging) and at the backup directory.
   *
   * @default - see the fields
   */
  readonly scratch?: ScratchValues;
  /**
   * Node selector of the pods.
   *
   * @default {}
   */
  readonly nodeSelector?: { [key: string]: string };
  /**
   * Tolerations of the pods.
   *
   * A Kubernetes 1.28 `Toleration[]` (`k8s.Toleration` of cdk8s-plus-28), passed through to the pods.
   *
   * @default []
   */
  readonly tolerations?: k8s.Toleration[];
  /**
   * Affinity of the pods.
   *
   * A Kubernetes 1.28 `Affinity` (`k8s.Affinity` of cdk8s-plus-28), passed through to the pods.
   *
   * @default {}
   */
  readonly affinity?: k8s.Affinity;
  /**
   * Priority class of the pods.
   *
   * @default ""
   */
  readonly priorityClassName?: string;
  /**
   * Extra annotations of the pods.
   *
   * @default {}
   */
  readonly podAnnotations?: { [key: string]: string };
  /**
   * Extra labels of the pods.
   *
   * @default {}
   */
  readonly podLabels?: { [key: string]: string };
  /**
   * Pod security context, merged key by key over the restricted defaults.
   *
   * A Kubernetes 1.28 `PodSecurityContext` (`k8s.PodSecurityContext` of cdk8s-plus-28), passed through to the pods.
   *
   * @default {"runAsNonRoot":true,"runAsUser":1000,"runAsGroup":1000,"fsGroup":1000,"seccompProfile":{"type":"RuntimeDefault"}}
   */
  readonly podSecurityContext?: k8s.PodSecurityContext;
  /**
   * Container security context, merged key by key over the restricted defaults.
   *
   * A Kubernetes 1.28 `SecurityContext` (`k8s.SecurityContext` of cdk8s-plus-28), passed through to the pods.
   *
   * @default {"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"runAsNonRoot":true,"capabilities":{"drop":["ALL"]},"seccompProfile":{"type":"RuntimeDefault"}}
   */
  readonly securityContext?: k8s.SecurityContext;
  /**
   * Extra environment variables of the containers.
   *
   * A Kubernetes 1.28 `EnvVar[]` (`k8s.EnvVar` of cdk8s-plus-28), passed through to the pods.
   *
   * @default []
   */
  readonly extraEnv?: k8s.EnvVar[];
  /**
   * Extra volumes of the pods.
   *
   * A Kubernetes 1.28 `Volume[]` (`k8s.Volume` of cdk8s-plus-28), passed through to the pods.
   *
   * @default []
   */
  readonly extraVolumes?: k8s.Volume[];
  /**
   * Extra volume mounts of the containers.
   *
   * A Kubernetes 1.28 `VolumeMount[]` (`k8s.VolumeMount` of cdk8s-plus-28), passed through to the pods.
   *
   * @default []
   */
  readonly extraVolumeMounts?: k8s.VolumeMount[];
  /**
   * Settings of the CronJobs (scheduled backups and restores).
   *
   * @default - see the fields
   */
  readonly cronJob?: CronJobValues;
  /**
   * Settings of the Jobs. Restores always use `backoffLimit: 0` and no TTL, whatever `backoffLimit` and `ttlSecondsAfterFinished` say (the renderers warn when they differ).
   *
   * @default - see the fields
   */
  readonly job?: JobValues;
  /**
   * Knowing when backups stop: alert rules on kube-state-metrics series, a freshness check of the newest archive in S3, a heartbeat URL.
   *
   * @default - see the fields
   */
  readonly monitoring?: MonitoringValues;
  /**
   * A NetworkPolicy for this release's backup, restore and companion pods: no ingress; egress to DNS, the Kubernetes API, S3, the `credentialEndpoints` and `extraEgress` only.
   *
   * @default - see the fields
   */
  readonly networkPolicy?: NetworkPolicyValues;
}

/**
 * The ServiceAccount the pods run as (its token is what kubectl uses).
 */
export interface ServiceAccountValues {
  /**
   * Create the ServiceAccount.
   *
   * @default true
   */
  readonly create?: boolean;
  /**
   * Name of the ServiceAccount; empty for the fullname (or `default` when not created).
   *
   * @default ""
   */
  readonly name?: string;
  /**
   * Annotations of the ServiceAccount (e.g. `eks.amazonaws.com/role-arn` for IRSA).
   *
   * @default {}
   */
  readonly annotations?: { [key: string]: string };
}

/**
 * The namespaced Role and RoleBinding the image needs.
 */
export interface RbacValues {
  /**
   * Create the Role and RoleBinding.
   *
   * @default true
   */
  readonly create?: boolean;
}

/**
 * Backups: a one-shot Job or a scheduled CronJob running `infrahub-backup create`.
 */
export interface BackupValues {
  /**
   * Deploy backups. Mutually exclusive with `restore.enabled`.
   *
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * Free-form request id of the one-shot backup Job. Change it to run a new backup with otherwise unchanged values.
   *
   * @default ""
   */
  readonly id?: string;
  /**
   * `job` runs one backup when applied; `cronjob` runs backups on `schedule`.
   *
   * @default "job"
   */
  readonly mode?: BackupMode;
  /**
   * Cron schedule of the CronJob (five fields, or a macro such as `@daily`).
   *
   * @default "0 2 * * *"
   */
  readonly schedule?: string;
  /**
   * Where archives go.
   *
   * @default - see the fields
   */
  readonly storage?: BackupStorageValues;
  /**
   * Flags of `infrahub-backup create`.
   *
   * @default - see the fields
   */
  readonly options?: BackupOptionsValues;
  /**
   * Archive encryption with a public key of yours (`--encrypt-key`), made with `infrahub-backup keygen` (docs/encryption.md). `--encrypt` in `options.extraArgs` without a key of yours is refused: the tool would encrypt to OpsMill's built-in key.
   *
   * @default - see the fields
   */
  readonly encryption?: BackupEncryptionValues;
  /**
   * Deletion of old archives in S3 by a CronJob of the companion image (`s3 prune`). Only archives `s3 verify` proved restorable count (the verification CronJob proves them: enable it, and schedule it before retention); every archive newer than the newest proven one is kept, and without any proven archive nothing is deleted.
   *
   * @default - see the fields
   */
  readonly retention?: BackupRetentionValues;
  /**
   * S3 Object Lock on the archives (`s3 lock`, docs/retention.md): a step of the verification CronJob after `s3 verify` sets, on every restorable archive without a retention in force, a retention until its upload time + `days`; never shortens one. The bucket must have Object Lock. Needs `backup.verification.enabled`.
   *
   * @default - see the fields
   */
  readonly objectLock?: BackupObjectLockValues;
  /**
   * A CronJob of the companion image that streams the newest archive from S3, checks its checksums and records the proof beside it (`s3 verify --latest`): retention and `latest` count only proven archives.
   *
   * @default - see the fields
   */
  readonly verification?: BackupVerificationValues;
}

/**
 * Where archives go.
 */
export interface BackupStorageValues {
  /**
   * `s3` uploads each archive to S3; `local` keeps it in the backup directory (a PersistentVolumeClaim with `local.persistence`); empty picks `s3` when `s3.bucket` is set, and is refused without a bucket (OpsMill's chart means `s3` there): choose `local` explicitly.
   *
   * @default ""
   */
  readonly type?: BackupStorageType;
  /**
   * Backup directory inside the pod, a writable volume (`INFRAHUB_BACKUP_DIR`).
   *
   * @default "/infrahub_backups"
   */
  readonly path?: string;
  /**
   * S3 destination (used when `type` is `s3`).
   *
   * @default - see the fields
   */
  readonly s3?: BackupS3Values;
  /**
   * Local storage (used when `type` is `local`).
   *
   * @default - see the fields
   */
  readonly local?: BackupLocalValues;
}

/**
 * S3 destination (used when `type` is `s3`).
 */
export interface BackupS3Values {
  /**
   * S3 bucket name.
   *
   * @default ""
   */
  readonly bucket?: string;
  /**
   * Key prefix of the archives; each object is `<prefix>/infrahub_backup_<timestamp>.tar.gz`.
   *
   * @default ""
   */
  readonly prefix?: string;
  /**
   * S3 endpoint URL for S3-compatible storage (MinIO, Ceph, GCS); empty for AWS S3. An `http://` endpoint disables TLS.
   *
   * @default ""
   */
  readonly endpoint?: string;
  /**
   * S3 region.
   *
   * @default "us-east-1"
   */
  readonly region?: string;
  /**
   * Name of an existing Secret holding the S3 credentials. Leave empty to use the ServiceAccount identity (IRSA, workload identity) or instance credentials.
   *
   * @default ""
   */
  readonly secretName?: string;
  /**
   * Key of the access key id in the Secret.
   *
   * @default "AWS_ACCESS_KEY_ID"
   */
  readonly accessKeyIdKey?: string;
  /**
   * Key of the secret access key in the Secret.
   *
   * @default "AWS_SECRET_ACCESS_KEY"
   */
  readonly secretAccessKeyKey?: string;
  /**
   * Key of an optional session token in the Secret; empty for none.
   *
   * @default ""
   */
  readonly sessionTokenKey?: string;
  /**
   * A second copy of the archives in another bucket, prefix, region, endpoint or provider (`s3 copy`, docs/copy.md): a step of the verification CronJob after `s3 verify` (and `s3 lock`), copying the newest proven archive and any other the destination lacks, newest first, each streamed, read back and compared by SHA-256. Needs `backup.verification.enabled`.
   *
   * @default - see the fields
   */
  readonly copy?: BackupCopyValues;
}

/**
 * A second copy of the archives in another bucket, prefix, region, endpoint or provider (`s3 copy`, docs/copy.md): a step of the verification CronJob after `s3 verify` (and `s3 lock`), copying the newest proven archive and any other the destination lacks, newest first, each streamed, read back and compared by SHA-256. Needs `backup.verification.enabled`.
 */
export interface BackupCopyValues {
  /**
   * Copy the proven archives to the second location after each verification run.
   *
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * Bucket of the second copy (`COPY_INFRAHUB_S3_BUCKET`); required when `enabled`.
   *
   * @default ""
   */
  readonly bucket?: string;
  /**
   * Key prefix of the copies (`COPY_INFRAHUB_S3_PREFIX`); empty for none. Not the source's own bucket and prefix on the same endpoint (refused by `s3 copy`).
   *
   * @default ""
   */
  readonly prefix?: string;
  /**
   * S3 endpoint URL of the second copy (`COPY_INFRAHUB_S3_ENDPOINT`); empty for AWS S3. With `networkPolicy`, its port is allowed as egress to any address.
   *
   * @default ""
   */
  readonly endpoint?: string;
  /**
   * Region of the second copy (`COPY_INFRAHUB_S3_REGION`).
   *
   * @default "us-east-1"
   */
  readonly region?: string;
  /**
   * Secret holding the credentials of the second copy (`COPY_AWS_*`): keys of its own, which the source's credentials cannot use to delete the copies. Empty: the source's `secretName` keys (the run warns), else the pod's cloud identity.
   *
   * @default ""
   */
  readonly secretName?: string;
  /**
   * Key of the access key id in the copy's Secret.
   *
   * @default "AWS_ACCESS_KEY_ID"
   */
  readonly accessKeyIdKey?: string;
  /**
   * Key of the secret access key in the copy's Secret.
   *
   * @default "AWS_SECRET_ACCESS_KEY"
   */
  readonly secretAccessKeyKey?: string;
  /**
   * Key of an optional session token in the copy's Secret; empty for none.
   *
   * @default ""
   */
  readonly sessionTokenKey?: string;
  /**
   * At most this many archives copied per run (`--max-copies`): a first run against an empty destination catches up over several nights.
   *
   * @default 3
   */
  readonly maxCopies?: number;
}

/**
 * Local storage (used when `type` is `local`).
 */
export interface BackupLocalValues {
  /**
   * Alias of `backup.storage.path` (seed layout).
   *
   * @default - not set (alias of `backup.storage.path`)
   */
  readonly path?: string;
  /**
   * A PersistentVolumeClaim at the backup directory, so local archives outlive the pod.
   *
   * @default - see the fields
   */
  readonly persistence?: BackupPersistenceValues;
}

/**
 * A PersistentVolumeClaim at the backup directory, so local archives outlive the pod.
 */
export interface BackupPersistenceValues {
  /**
   * Mount a PersistentVolumeClaim instead of an emptyDir.
   *
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * Use this existing claim; empty to let the chart create one (kept on uninstall).
   *
   * @default ""
   */
  readonly existingClaim?: string;
  /**
   * Size of the claim the chart creates; at least twice the database size.
   *
   * @default "20Gi"
   */
  readonly size?: string;
  /**
   * Storage class of the claim the chart creates; empty for the cluster default.
   *
   * @default ""
   */
  readonly storageClassName?: string;
  /**
   * Access modes of the claim the chart creates.
   *
   * @default ["ReadWriteOnce"]
   */
  readonly accessModes?: string[];
}

/**
 * Flags of `infrahub-backup create`.
 */
export interface BackupOptionsValues {
  /**
   * `--force`: back up even while Infrahub tasks are running.
   *
   * @default false
   */
  readonly force?: boolean;
  /**
   * `--exclude-taskmanager`: skip the task-manager PostgreSQL database.
   *
   * @default false
   */
  readonly excludeTaskmanager?: boolean;
  /**
   * `--neo4jmetadata`: Neo4j metadata to include.
   *
   * @default "all"
   */
  readonly neo4jMetadata?: Neo4jMetadata;
  /**
   * `--s3-keep-local`: keep the local archive after the upload.
   *
   * @default false
   */
  readonly keepLocal?: boolean;
  /**
   * `--sleep` after the backup with local storage and no persistence, to copy the archive out; empty for none.
   *
   * @default "3m"
   */
  readonly sleep?: string;
  /**
   * Extra arguments appended to `infrahub-backup create`.
   *
   * @default []
   */
  readonly extraArgs?: string[];
}

/**
 * Archive encryption with a public key of yours (`--encrypt-key`), made with `infrahub-backup keygen` (docs/encryption.md). `--encrypt` in `options.extraArgs` without a key of yours is refused: the tool would encrypt to OpsMill's built-in key.
 */
export interface BackupEncryptionValues {
  /**
   * Secret holding the public key (the `.pub` file of `infrahub-backup keygen`); empty for unencrypted archives.
   *
   * @default ""
   */
  readonly secretName?: string;
  /**
   * Key of the public key file in the Secret.
   *
   * @default "public.pem"
   */
  readonly key?: string;
}

/**
 * Deletion of old archives in S3 by a CronJob of the companion image (`s3 prune`). Only archives `s3 verify` proved restorable count (the verification CronJob proves them: enable it, and schedule it before retention); every archive newer than the newest proven one is kept, and without any proven archive nothing is deleted.
 */
export interface BackupRetentionValues {
  /**
   * Run the retention CronJob (S3 storage only; with local storage, delete old archives from the volume yourself).
   *
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * Cron schedule of the retention run: after the verification run, so that the night's archive is proven before retention counts.
   *
   * @default "0 6 * * *"
   */
  readonly schedule?: string;
  /**
   * Proven archives kept, newest first (every newer archive is kept too).
   *
   * @default 7
   */
  readonly keepLast?: number;
  /**
   * Also keep every archive younger than this many days; 0 for none.
   *
   * @default 0
   */
  readonly keepDays?: number;
  /**
   * Also keep the newest proven archive of each of the N newest calendar days that have one (`--keep-daily`), in `cronJob.timeZone` (else UTC); 0 for none.
   *
   * @default 0
   */
  readonly keepDaily?: number;
  /**
   * Also keep the newest proven archive of each of the N newest ISO weeks that have one (`--keep-weekly`); 0 for none.
   *
   * @default 0
   */
  readonly keepWeekly?: number;
  /**
   * Also keep the newest proven archive of each of the N newest calendar months that have one (`--keep-monthly`); 0 for none.
   *
   * @default 0
   */
  readonly keepMonthly?: number;
  /**
   * Also keep the newest proven archive of each of the N newest calendar years that have one (`--keep-yearly`); 0 for none.
   *
   * @default 0
   */
  readonly keepYearly?: number;
}

/**
 * S3 Object Lock on the archives (`s3 lock`, docs/retention.md): a step of the verification CronJob after `s3 verify` sets, on every restorable archive without a retention in force, a retention until its upload time + `days`; never shortens one. The bucket must have Object Lock. Needs `backup.verification.enabled`.
 */
export interface BackupObjectLockValues {
  /**
   * Lock the archives after each verification run.
   *
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * `GOVERNANCE` (a principal allowed `s3:BypassGovernanceRetention` can still delete) or `COMPLIANCE` (no one can before the date, the root user included, and the date cannot be shortened).
   *
   * @default "GOVERNANCE"
   */
  readonly mode?: ObjectLockMode;
  /**
   * Days each archive stays locked after its upload (`--days`); at least 1 when `enabled` (the storage stays paid until then).
   *
   * @default 0
   */
  readonly days?: number;
}

/**
 * A CronJob of the companion image that streams the newest archive from S3, checks its checksums and records the proof beside it (`s3 verify --latest`): retention and `latest` count only proven archives.
 */
export interface BackupVerificationValues {
  /**
   * Run the verification CronJob (S3 storage and unencrypted archives only: it holds no private key).
   *
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * Cron schedule of the verification run: after the backup, before retention.
   *
   * @default "0 5 * * *"
   */
  readonly schedule?: string;
}

/**
 * Restores: a one-shot Job (or a scheduled CronJob) running `infrahub-backup restore`. Destructive: it overwrites the running Infrahub.
 */
export interface RestoreValues {
  /**
   * Deploy a restore. Mutually exclusive with `backup.enabled`.
   *
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * Free-form request id. The restore Job is named after the request; change `id` to restore again with otherwise unchanged values.
   *
   * @default ""
   */
  readonly id?: string;
  /**
   * `job` restores once; `cronjob` restores on `schedule` (e.g. a nightly production-to-staging refresh; S3 only).
   *
   * @default "job"
   */
  readonly mode?: RestoreMode;
  /**
   * Cron schedule of a scheduled restore.
   *
   * @default "0 4 * * *"
   */
  readonly schedule?: string;
  /**
   * Where the archive comes from.
   *
   * @default - see the fields
   */
  readonly storage?: RestoreStorageValues;
  /**
   * Alias of `restore.storage.s3` (seed layout).
   *
   * @default - not set (alias of `restore.storage.s3`)
   */
  readonly s3?: RestoreS3AliasValues;
  /**
   * Flags of `infrahub-backup restore`.
   *
   * @default - see the fields
   */
  readonly options?: RestoreOptionsValues;
  /**
   * Decryption of encrypted archives with a private key (`--decrypt-key`): the one `infrahub-backup keygen` wrote beside the public key of `backup.encryption` (docs/encryption.md).
   *
   * @default - see the fields
   */
  readonly decryption?: RestoreDecryptionValues;
}

/**
 * Where the archive comes from.
 */
export interface RestoreStorageValues {
  /**
   * `s3` downloads the archive; `local` reads it from the backup directory.
   *
   * @default "s3"
   */
  readonly type?: RestoreStorageType;
  /**
   * Backup directory inside the pod (`INFRAHUB_BACKUP_DIR`).
   *
   * @default "/infrahub_backups"
   */
  readonly path?: string;
  /**
   * S3 location of the archive.
   *
   * @default - see the fields
   */
  readonly s3?: RestoreS3Values;
  /**
   * Local archive (used when `type` is `local`).
   *
   * @default - see the fields
   */
  readonly local?: RestoreLocalValues;
}

/**
 * S3 location of the archive.
 */
export interface RestoreS3Values {
  /**
   * S3 bucket holding the archive.
   *
   * @default ""
   */
  readonly bucket?: string;
  /**
   * Key prefix the archives live under (used with `latest`; match the backups' `backup.storage.s3.prefix`).
   *
   * @default ""
   */
  readonly prefix?: string;
  /**
   * Full object key of the archive to restore. Exactly one of `key` and `latest`.
   *
   * @default ""
   */
  readonly key?: string;
  /**
   * Restore the newest archive under `bucket`/`prefix`: the newest one `s3 verify` proved restorable (the verification CronJob). Exactly one of `key` and `latest`.
   *
   * @default false
   */
  readonly latest?: boolean;
  /**
   * With `latest`: restore an archive newer than the newest proven one when its first and last bytes look complete (`s3 latest --accept-unproven`), and restore at all when none is proven (no verification CronJob). Off: the restore fails rather than take an archive nobody has read whole.
   *
   * @default false
   */
  readonly acceptUnproven?: boolean;
  /**
   * S3 endpoint URL for S3-compatible storage (MinIO, Ceph, GCS); empty for AWS S3. An `http://` endpoint disables TLS.
   *
   * @default ""
   */
  readonly endpoint?: string;
  /**
   * S3 region.
   *
   * @default "us-east-1"
   */
  readonly region?: string;
  /**
   * Name of an existing Secret holding the S3 credentials. Leave empty to use the ServiceAccount identity (IRSA, workload identity) or instance credentials.
   *
   * @default ""
   */
  readonly secretName?: string;
  /**
   * Key of the access key id in the Secret.
   *
   * @default "AWS_ACCESS_KEY_ID"
   */
  readonly accessKeyIdKey?: string;
  /**
   * Key of the secret access key in the Secret.
   *
   * @default "AWS_SECRET_ACCESS_KEY"
   */
  readonly secretAccessKeyKey?: string;
  /**
   * Key of an optional session token in the Secret; empty for none.
   *
   * @default ""
   */
  readonly sessionTokenKey?: string;
}

/**
 * Local archive (used when `type` is `local`).
 */
export interface RestoreLocalValues {
  /**
   * File name of the archive in the backup directory.
   *
   * @default "infrahub_backup_latest.tar.gz"
   */
  readonly filename?: string;
  /**
   * PersistentVolumeClaim holding the archive (e.g. the backups' claim); empty for an emptyDir filled by hand during `options.sleep`.
   *
   * @default ""
   */
  readonly existingClaim?: string;
}

/**
 * Alias of `restore.storage.s3` (seed layout).
 */
export interface RestoreS3AliasValues {
  /**
   * S3 bucket holding the archive.
   *
   * @default ""
   */
  readonly bucket?: string;
  /**
   * Full object key of the archive to restore. Exactly one of `key` and `latest`.
   *
   * @default ""
   */
  readonly key?: string;
  /**
   * S3 endpoint URL for S3-compatible storage (MinIO, Ceph, GCS); empty for AWS S3. An `http://` endpoint disables TLS.
   *
   * @default ""
   */
  readonly endpoint?: string;
  /**
   * S3 region.
   *
   * @default "us-east-1"
   */
  readonly region?: string;
  /**
   * Name of an existing Secret holding the S3 credentials. Leave empty to use the ServiceAccount identity (IRSA, workload identity) or instance credentials.
   *
   * @default ""
   */
  readonly secretName?: string;
}

/**
 * Flags of `infrahub-backup restore`.
 */
export interface RestoreOptionsValues {
  /**
   * `--exclude-taskmanager`: leave the task-manager database as it is.
   *
   * @default false
   */
  readonly excludeTaskmanager?: boolean;
  /**
   * `--migrate-format`: migrate Neo4j to the block format after the restore.
   *
   * @default false
   */
  readonly migrateFormat?: boolean;
  /**
   * `--reset-deployment-id`: give the restored instance a new deployment id (clones).
   *
   * @default false
   */
  readonly resetDeploymentId?: boolean;
  /**
   * `--sleep` before a restore from local storage without a claim, to copy the archive in; empty for none.
   *
   * @default "3m"
   */
  readonly sleep?: string;
  /**
   * Extra arguments appended to `infrahub-backup restore`.
   *
   * @default []
   */
  readonly extraArgs?: string[];
}

/**
 * Decryption of encrypted archives with a private key (`--decrypt-key`): the one `infrahub-backup keygen` wrote beside the public key of `backup.encryption` (docs/encryption.md).
 */
export interface RestoreDecryptionValues {
  /**
   * Secret holding the private key (PEM); empty for unencrypted archives. Create it only where and when a restore runs.
   *
   * @default ""
   */
  readonly secretName?: string;
  /**
   * Key of the private key file in the Secret.
   *
   * @default "private.pem"
   */
  readonly key?: string;
}

/**
 * The scale guard (docs/scale-guard.md): the backup and restore pods record the replicas of the Infrahub workloads the image scales to zero before it runs (`guard record`) and clear the record after success (`guard clear`); a CronJob (`guard repair`) restores the recorded replicas when a run was killed midway. Rendered only with a backup or a restore.
 */
export interface GuardValues {
  /**
   * Record and clear around every backup and restore, and render the guard CronJob. Off: the pods run the image alone, as before, with no proof of the upload.
   *
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Cron schedule of the guard CronJob (`guard repair`): at most this long (plus the pods' start) after a backup or restore was killed, Infrahub is scaled back up.
   *
   * @default "*\/5 * * * *"
   */
  readonly schedule?: string;
}

/**
 * The image of this project, which checks S3 before backups and restores, resolves the newest archive, prunes and verifies.
 */
export interface CompanionValues {
  /**
   * The companion image.
   *
   * @default - see the fields
   */
  readonly image?: CompanionImageValues;
  /**
   * Check S3 (credentials, bucket, write access or the archive) in an init container before every backup and restore, so a restore never scales Infrahub down for an archive that is not there.
   *
   * @default true
   */
  readonly preflight?: boolean;
  /**
   * Resources of the companion containers.
   *
   * @default - see the fields
   */
  readonly resources?: CompanionResourcesValues;
}

/**
 * The companion image.
 */
export interface CompanionImageValues {
  /**
   * Image repository.
   *
   * @default "ghcr.io/opsmill/infrahub-backup-cdk8s"
   */
  readonly repository?: string;
  /**
   * Image tag; empty for the version of this chart.
   *
   * @default ""
   */
  readonly tag?: string;
  /**
   * Image pull policy.
   *
   * @default "IfNotPresent"
   */
  readonly pullPolicy?: ImagePullPolicy;
}

/**
 * Resources of the companion containers.
 */
export interface CompanionResourcesValues {
  /**
   * Resource requests.
   *
   * @default {"cpu":"10m","memory":"128Mi"}
   */
  readonly requests?: { [key: string]: string | number };
  /**
   * Resource limits.
   *
   * @default {"memory":"256Mi"}
   */
  readonly limits?: { [key: string]: string | number };
}

/**
 * Neo4j credentials. By default the image reads them from the running database container.
 */
export interface Neo4jValues {
  /**
   * Secret holding the Neo4j password (`INFRAHUB_DB_PASSWORD`); empty to read it from the database container.
   *
   * @default ""
   */
  readonly secretName?: string;
  /**
   * Key of the password in the Secret.
   *
   * @default "password"
   */
  readonly passwordKey?: string;
  /**
   * Key of the username in the Secret (`INFRAHUB_DB_USERNAME`); empty to read it from the container.
   *
   * @default ""
   */
  readonly usernameKey?: string;
}

/**
 * The infrahub-backup image.
 */
export interface ImageValues {
  /**
   * Image repository.
   *
   * @default "registry.opsmill.io/opsmill/infrahub-backup"
   */
  readonly repository?: string;
  /**
   * Image tag; empty for 2.3.0.
   *
   * @default "2.3.0"
   */
  readonly tag?: string;
  /**
   * Image digest (`sha256:...`); when set the image is pulled by digest.
   *
   * @default ""
   */
  readonly digest?: string;
  /**
   * Image pull policy.
   *
   * @default "IfNotPresent"
   */
  readonly pullPolicy?: ImagePullPolicy;
}

/**
 * Resources of the backup and restore containers.
 */
export interface ResourcesValues {
  /**
   * Resource requests.
   *
   * @default {"cpu":"100m","memory":"256Mi"}
   */
  readonly requests?: { [key: string]: string | number };
  /**
   * Resource limits; none by default, as in OpsMill's chart (the dump of a large database needs memory that grows with it). Set `memory` to what a backup of your database peaks at, plus a margin.
   *
   * @default {}
   */
  readonly limits?: { [key: string]: string | number };
}

/**
 * The emptyDir volumes at `/tmp` (staging) and at the backup directory.
 */
export interface ScratchValues {
  /**
   * Size limit of each scratch volume (`/tmp` and the backup directory on an emptyDir); empty for none, as in OpsMill's chart. A pod that writes more is evicted: allow about twice the database size.
   *
   * @default ""
   */
  readonly sizeLimit?: string;
}

/**
 * Settings of the CronJobs (scheduled backups and restores).
 */
export interface CronJobValues {
  /**
   * IANA time zone of the schedule (e.g. `Europe/Paris`); empty for the controller's time zone (usually UTC).
   *
   * @default ""
   */
  readonly timeZone?: string;
  /**
   * What to do when a run is due while the previous one still runs (scheduled backups). A scheduled restore always uses `Forbid`, whatever this says (the renderers warn when it differs).
   *
   * @default "Forbid"
   */
  readonly concurrencyPolicy?: ConcurrencyPolicy;
  /**
   * Successful Jobs kept.
   *
   * @default 3
   */
  readonly successfulJobsHistoryLimit?: number;
  /**
   * Failed Jobs kept.
   *
   * @default 3
   */
  readonly failedJobsHistoryLimit?: number;
  /**
   * Seconds after the scheduled time during which a missed run may still start.
   *
   * @default - not set
   */
  readonly startingDeadlineSeconds?: number;
  /**
   * Suspend the CronJob.
   *
   * @default false
   */
  readonly suspend?: boolean;
}

/**
 * Settings of the Jobs. Restores always use `backoffLimit: 0` and no TTL, whatever `backoffLimit` and `ttlSecondsAfterFinished` say (the renderers warn when they differ).
 */
export interface JobValues {
  /**
   * Retries of a failed backup pod. Backups only: a restore is never retried (0), whatever this says; the renderers warn when it differs.
   *
   * @default 0
   */
  readonly backoffLimit?: number;
  /**
   * Seconds before a finished backup Job is deleted; keep it unset under GitOps, which would recreate (and re-run) a deleted Job. Backups only: a restore Job is never deleted by a TTL, whatever this says; the renderers warn when it is set.
   *
   * @default - not set
   */
  readonly ttlSecondsAfterFinished?: number;
  /**
   * Seconds after which a running Job (backup, restore, companion CronJobs) is stopped and marked failed: 6 hours. Size it above the longest backup of your database (dump plus upload; see docs/scale-guard.md) and above `monitoring.prometheusRule.expectedJobDuration`. When it stops a backup or restore midway, the scale guard restores the recorded replicas within `guard.schedule`.
   *
   * @default 21600
   */
  readonly activeDeadlineSeconds?: number;
}

/**
 * Knowing when backups stop: alert rules on kube-state-metrics series, a freshness check of the newest archive in S3, a heartbeat URL.
 */
export interface MonitoringValues {
  /**
   * Age after which the newest backup counts as missing: `InfrahubBackupMissing` fires and the freshness check (`s3 latest --max-age`) fails. Empty for the longest gap between two runs of `backup.schedule` plus 2h, read over a 28-year calendar cycle (26h for a daily schedule, 8786h for `0 2 31 1 *`). With a `cronJob.timeZone` whose clock shifts, the gap grows by the zone's offset range; when a run falls in the hours a shift skips (the controller then skips it), a schedule that runs every day gets twice its gap plus twice the range (52h for `0 2 * * *` in Europe/Paris) and a sparser one is refused: set this value. See docs/max-age.md.
   *
   * @default ""
   */
  readonly backupMaxAge?: string;
  /**
   * A PrometheusRule (`monitoring.coreos.com/v1`, for the Prometheus operator) with the alerts of docs/monitoring.md, on kube-state-metrics series of this release's objects.
   *
   * @default - see the fields
   */
  readonly prometheusRule?: PrometheusRuleValues;
  /**
   * A check, in the bucket, that the newest archive is younger than `backupMaxAge` (`s3 latest --max-age`): a backup that "succeeds" without uploading fails it. S3 storage only.
   *
   * @default - see the fields
   */
  readonly freshness?: FreshnessValues;
  /**
   * A ConfigMap holding a Grafana dashboard of the scheduled backups (age of the last success, run durations, failures), for the Grafana sidecar that loads labelled ConfigMaps; from the same kube-state-metrics series as the alerts.
   *
   * @default - see the fields
   */
  readonly grafanaDashboard?: GrafanaDashboardValues;
  /**
   * A dead man's switch (healthchecks.io and compatible services): the companion CronJobs (retention, verification, freshness) request the URL when they succeed and the newest restorable archive is younger than the maximum age (`monitoring.backupMaxAge`, passed as `INFRAHUB_BACKUP_HEARTBEAT_MAX_AGE`), and POST the error line to `<url>/fail` otherwise.
   *
   * @default - see the fields
   */
  readonly heartbeat?: HeartbeatValues;
}

/**
 * A PrometheusRule (`monitoring.coreos.com/v1`, for the Prometheus operator) with the alerts of docs/monitoring.md, on kube-state-metrics series of this release's objects.
 */
export interface PrometheusRuleValues {
  /**
   * Create the PrometheusRule.
   *
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * Namespace of the PrometheusRule (one the Prometheus operator watches); empty for the release namespace. The rules always watch the release namespace.
   *
   * @default ""
   */
  readonly namespace?: string;
  /**
   * Labels of the PrometheusRule, to match the Prometheus operator's `ruleSelector` (e.g. `release: kube-prometheus-stack`).
   *
   * @default {}
   */
  readonly labels?: { [key: string]: string };
  /**
   * How long the backup CronJob may stay suspended before `InfrahubBackupCronJobSuspended` fires.
   *
   * @default "1h"
   */
  readonly suspendedFor?: string;
  /**
   * How long Infrahub's workloads may stay at zero replicas, with no backup or restore Job of any release of this chart in the namespace running for less than `expectedJobDuration`, before `InfrahubScaledDownAfterBackup` fires.
   *
   * @default "15m"
   */
  readonly scaledDownFor?: string;
  /**
   * Longest time a backup or restore Job is expected to run. Infrahub at zero replicas while every running backup or restore Job of the namespace is older than this is a hung Job: `InfrahubScaledDownAfterBackup` fires `scaledDownFor` later. A running backup Job holds `InfrahubBackupMissing` until it is older than `job.activeDeadlineSeconds`, or than this when that is unset. 0 is refused: no running Job would hold the alerts.
   *
   * @default "3h"
   */
  readonly expectedJobDuration?: string;
  /**
   * Regular expression (RE2, whole name) matching the names of Infrahub's Deployments and StatefulSets that a backup or restore scales down. Checked at render time against the subset of RE2 that the chart can prove Prometheus accepts (literal characters, `.`, `[...]`, `(...)`, `(?:...)`, `|`, `^`, `$`, `*`, `+`, `?`, `{n,m}`): Prometheus refuses the whole rule group over one matcher it cannot compile.
   *
   * @default ".*(infrahub-server|task-worker).*"
   */
  readonly infrahubWorkloads?: string;
  /**
   * Folder of the runbooks, one page per alert: each alert links to `<runbookUrl>/<alert name>.md` (e.g. `.../docs/runbooks/InfrahubBackupMissing.md`). For a mirror, copy the pages of docs/runbooks/ under one folder and give its URL (a trailing "/" is dropped).
   *
   * @default "https://github.com/opsmill/infrahub-backup-cdk8s/blob/main/docs/runbooks"
   */
  readonly runbookUrl?: string;
}

/**
 * A check, in the bucket, that the newest archive is younger than `backupMaxAge` (`s3 latest --max-age`): a backup that "succeeds" without uploading fails it. S3 storage only.
 */
export interface FreshnessValues {
  /**
   * Check the age of the newest archive: first thing in the verification CronJob when `backup.verification` is on, else in a CronJob of its own.
   *
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * Cron schedule of the freshness-only CronJob (when `backup.verification` is off).
   *
   * @default "15 * * * *"
   */
  readonly schedule?: string;
}

/**
 * A ConfigMap holding a Grafana dashboard of the scheduled backups (age of the last success, run durations, failures), for the Grafana sidecar that loads labelled ConfigMaps; from the same kube-state-metrics series as the alerts.
 */
export interface GrafanaDashboardValues {
  /**
   * Create the dashboard ConfigMap (scheduled backups only).
   *
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * Namespace of the ConfigMap (one the Grafana sidecar watches); empty for the release namespace.
   *
   * @default ""
   */
  readonly namespace?: string;
  /**
   * Labels of the ConfigMap: the one the Grafana sidecar looks for (`sidecar.dashboards.label`).
   *
   * @default {"grafana_dashboard":"1"}
   */
  readonly labels?: { [key: string]: string };
}

/**
 * A dead man's switch (healthchecks.io and compatible services): the companion CronJobs (retention, verification, freshness) request the URL when they succeed and the newest restorable archive is younger than the maximum age (`monitoring.backupMaxAge`, passed as `INFRAHUB_BACKUP_HEARTBEAT_MAX_AGE`), and POST the error line to `<url>/fail` otherwise.
 */
export interface HeartbeatValues {
  /**
   * Secret holding the heartbeat URL (`INFRAHUB_BACKUP_HEARTBEAT_URL`); empty for no heartbeat. Needs a CronJob that pings: `backup.retention`, `backup.verification` or `monitoring.freshness` of a backup to S3 (refused otherwise).
   *
   * @default ""
   */
  readonly secretName?: string;
  /**
   * Key of the URL in the Secret.
   *
   * @default "url"
   */
  readonly key?: string;
}

/**
 * A NetworkPolicy for this release's backup, restore and companion pods: no ingress; egress to DNS, the Kubernetes API, S3, the `credentialEndpoints` and `extraEgress` only.
 */
export interface NetworkPolicyValues {
  /**
   * Create the NetworkPolicy.
   *
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * Egress to the Kubernetes API server (the image drives Infrahub with kubectl).
   *
   * @default - see the fields
   */
  readonly apiServer?: NetworkPolicyApiServerValues;
  /**
   * Egress to the S3 endpoint of the backups or the restore.
   *
   * @default - see the fields
   */
  readonly s3?: NetworkPolicyS3Values;
  /**
   * Where the pods get S3 credentials when the S3 `secretName` is empty (ServiceAccount identity or node credentials), each allowed as egress: `eks-pod-identity` (EKS Pod Identity agent, 169.254.170.23 and fd00:ec2::23, port 80), `instance-metadata` (EC2 IMDS or GKE's metadata server, 169.254.169.254 and fd00:ec2::254, port 80; it also serves the node's own credentials), `web-identity` (IRSA or Azure workload identity: STS or Entra ID, any address on port 443). Empty for none: with an S3 `secretName` the pods need none, and an empty `secretName` with the policy on and no endpoint here is refused.
   *
   * @default []
   */
  readonly credentialEndpoints?: string[];
  /**
   * More egress rules, appended unchanged (e.g. a proxy, or the heartbeat service).
   *
   * A Kubernetes 1.28 `NetworkPolicyEgressRule[]` (`k8s.NetworkPolicyEgressRule` of cdk8s-plus-28), passed through to the pods.
   *
   * @default []
   */
  readonly extraEgress?: k8s.NetworkPolicyEgressRule[];
}

/**
 * Egress to the Kubernetes API server (the image drives Infrahub with kubectl).
 */
export interface NetworkPolicyApiServerValues {
  /**
   * Addresses of the API server (its endpoints, as `kubectl get endpoints kubernetes -n default` shows them, `/32` each); empty allows any host, in or outside the cluster, on `ports`. On Cilium an API server running on the cluster's nodes is not matched by addresses unless Cilium runs with `policy-cidr-match-mode: nodes` (docs/security.md, Network policy).
   *
   * @default []
   */
  readonly cidrs?: string[];
  /**
   * Ports of the API server: the Service port (443) and the endpoints' port (often 6443), as policies apply after the Service is translated. At least one: without it the pods could not reach the API they drive Infrahub with.
   *
   * A Kubernetes 1.28 `NetworkPolicyPort[]` (`k8s.NetworkPolicyPort` of cdk8s-plus-28), passed through to the pods.
   *
   * @default [{"port":443,"protocol":"TCP"},{"port":6443,"protocol":"TCP"}]
   */
  readonly ports?: k8s.NetworkPolicyPort[];
}

/**
 * Egress to the S3 endpoint of the backups or the restore.
 */
export interface NetworkPolicyS3Values {
  /**
   * Addresses of the S3 endpoint; empty allows any host, in or outside the cluster, on `port`.
   *
   * @default []
   */
  readonly cidrs?: string[];
  /**
   * Port of the S3 endpoint; not set for the endpoint URL's port (443 for AWS S3 and https://, 80 for http://).
   *
   * @default - not set
   */
  readonly port?: number;
}
