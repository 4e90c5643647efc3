{{/*
Helpers of the infrahub-backup chart. Each mirrors a function of the
construct library (src/model/objects.ts, src/constructs/*.ts); the test suite
proves that `helm template` and `infrahub-backup-cdk8s synth` give the same
objects for the same values. Data (defaults, schema, problem texts, Role
rules, constants) comes from _generated.tpl, written from the same model.
*/}}

{{/* Helm's trunc + trimSuffix, strict: every trailing "-" and "." goes (names.ts truncName). list NAME MAX */}}
{{- define "infrahub-backup.truncName" -}}
{{- regexReplaceAll "[-.]+$" (index . 0 | trunc (index . 1 | int)) "" -}}
{{- end }}

{{/* A name made of a base, a role and an optional hash within MAX characters: list BASE ROLE HASH MAX */}}
{{- define "infrahub-backup.suffixedName" -}}
{{- $base := index . 0 }}{{- $role := index . 1 }}{{- $hash := index . 2 }}{{- $max := index . 3 | int }}
{{- $suffix := printf "-%s" $role }}
{{- if $hash }}{{- $suffix = printf "-%s-%s" $role $hash }}{{- end }}
{{- printf "%s%s" (include "infrahub-backup.truncName" (list $base (sub $max (len $suffix)))) $suffix -}}
{{- end }}

{{/* A CronJob beside the backup CronJob, never of its name (names.ts sideCronJobName): list FULLNAME ROLE */}}
{{- define "infrahub-backup.sideCronJobName" -}}
{{- $fullname := index . 0 }}{{- $role := index . 1 }}
{{- $name := include "infrahub-backup.suffixedName" (list $fullname $role "" 52) }}
{{- if eq $name (include "infrahub-backup.truncName" (list $fullname 52)) }}
{{- $name = include "infrahub-backup.suffixedName" (list $fullname $role "" (sub (len $name) 1)) }}
{{- end }}
{{- $name -}}
{{- end }}

{{/* A repository pulled from a registry (image-registry.ts withRegistry): list REPOSITORY REGISTRY */}}
{{- define "infrahub-backup.withRegistry" -}}
{{- $repository := index . 0 }}{{- $registry := index . 1 }}
{{- $parts := splitList "/" $repository }}
{{- $first := first $parts }}
{{- if hasPrefix (printf "%s/" $registry) $repository }}
{{- $repository -}}
{{- else if and (gt (len $parts) 1) (or (contains "." $first) (contains ":" $first) (eq $first "localhost")) }}
{{- printf "%s/%s" $registry (rest $parts | join "/") -}}
{{- else }}
{{- printf "%s/%s" $registry $repository -}}
{{- end }}
{{- end }}

{{/* The first 8 hex digits of the SHA-256 of a request's JSON. */}}
{{- define "infrahub-backup.requestHash" -}}
{{- toJson . | sha256sum | trunc 8 -}}
{{- end }}

{{/* What a restore restores and how: names the restore Job (objects.ts restoreRequest). */}}
{{- define "infrahub-backup.restoreRequest" -}}
{{- $r := .restore }}
{{- $s := $r.storage }}
{{- $s3 := dict "bucket" $s.s3.bucket "prefix" $s.s3.prefix "key" $s.s3.key "latest" $s.s3.latest "endpoint" $s.s3.endpoint }}
{{- /* only when on: a request that never set it keeps its name (objects.ts restoreRequest) */}}
{{- if $s.s3.acceptUnproven }}{{- $_ := set $s3 "acceptUnproven" true }}{{- end }}
{{- $storage := dict "type" $s.type "path" $s.path "s3" $s3 "local" $s.local }}
{{- dict "id" $r.id "storage" $storage "options" $r.options "decryption" $r.decryption | toJson -}}
{{- end }}

{{/*
The deployment plan, as JSON: the canonical values ("v"), the object names,
labels and context. Fails the render, listing every problem, when the values
break a cross-field rule.
*/}}
{{- define "infrahub-backup.deployment" -}}
{{- $resolved := include "infrahub-backup.resolved" . | fromJson }}
{{- $v := $resolved.values }}
{{- $c := include "infrahub-backup.constants" . | fromJson }}
{{- $p := include "infrahub-backup.problems" . | fromJson }}
{{- $problems := $resolved.problems }}
{{- /* derived defaults (resolve.ts deriveDefaults): backups go to S3 when a bucket is named; an enabled backup without a bucket must choose local storage */}}
{{- if not $v.backup.storage.type }}
{{- if and $v.backup.enabled (not $v.backup.storage.s3.bucket) }}{{- $problems = append $problems $p.backupStorageUnset }}{{- end }}
{{- $_ := set $v.backup.storage "type" (ternary "s3" "local" (ne $v.backup.storage.s3.bucket "")) }}
{{- end }}
{{- /* checks.ts, in the same order */}}
{{- if or (not (regexMatch $c.releaseNamePattern .Release.Name)) (gt (len .Release.Name) (int $c.releaseNameMaxLength)) }}
{{- $problems = append $problems (printf $p.invalidRelease .Release.Name) }}
{{- end }}
{{- if or (not (regexMatch $c.namespacePattern .Release.Namespace)) (gt (len .Release.Namespace) (int $c.namespaceMaxLength)) }}
{{- $problems = append $problems (printf $p.invalidNamespace .Release.Namespace) }}
{{- end }}
{{- if and $v.backup.enabled $v.restore.enabled }}
{{- $problems = append $problems $p.bothEnabled }}
{{- end }}
{{- $zone := $v.cronJob.timeZone }}
{{- if and $zone (not (has $zone (include "infrahub-backup.timeZones" . | fromJsonArray))) }}{{- $problems = append $problems (printf $p.unknownTimeZone $zone) }}{{- end }}
{{- $schedules := list }}
{{- if $v.backup.enabled }}
{{- $b := $v.backup }}
{{- if eq $b.mode "cronjob" }}{{- $schedules = append $schedules (list "backup.schedule" $b.schedule) }}{{- end }}
{{- if and (eq $b.storage.type "s3") (not $b.storage.s3.bucket) }}
{{- $problems = append $problems $p.backupBucketMissing }}
{{- end }}
{{- if and (eq $b.storage.type "s3") $b.retention.enabled }}{{- $schedules = append $schedules (list "backup.retention.schedule" $b.retention.schedule) }}{{- end }}
{{- if and (eq $b.storage.type "s3") $b.verification.enabled }}{{- $schedules = append $schedules (list "backup.verification.schedule" $b.verification.schedule) }}{{- end }}
{{- if and (eq $b.storage.type "s3") $v.monitoring.freshness.enabled (not $b.verification.enabled) }}{{- $schedules = append $schedules (list "monitoring.freshness.schedule" $v.monitoring.freshness.schedule) }}{{- end }}
{{- if eq $v.backup.storage.type "local" }}
{{- if $v.backup.retention.enabled }}{{- $problems = append $problems $p.retentionNeedsS3 }}{{- end }}
{{- if $v.backup.verification.enabled }}{{- $problems = append $problems $p.verificationNeedsS3 }}{{- end }}
{{- if $v.monitoring.freshness.enabled }}{{- $problems = append $problems $p.freshnessNeedsS3 }}{{- end }}
{{- else if or $v.backup.verification.enabled $v.backup.retention.enabled }}
{{- $encrypted := ne $v.backup.encryption.secretName "" }}
{{- range $v.backup.options.extraArgs }}{{- if regexMatch $c.encryptArgPattern . }}{{- $encrypted = true }}{{- end }}{{- end }}
{{- if $encrypted }}
{{- if $v.backup.verification.enabled }}{{- $problems = append $problems $p.verificationOfEncrypted }}{{- end }}
{{- if $v.backup.retention.enabled }}{{- $problems = append $problems $p.retentionOfEncrypted }}{{- end }}
{{- end }}
{{- end }}
{{- /* checks.ts keylessEncryption: --encrypt as pflag reads it (ParseBool, the last wins, nothing after "--", a value flag's value skipped), the key as a flag, else the environment (viper) */}}
{{- $flag := "" }}{{- $on := false }}{{- $key := "" }}{{- $keySet := false }}{{- $stop := false }}{{- $takeKey := false }}{{- $skip := false }}
{{- if $b.encryption.secretName }}{{- $key = "secret" }}{{- $keySet = true }}{{- end }}
{{- range $b.options.extraArgs }}
{{- if $stop }}
{{- else if $takeKey }}{{- $key = . }}{{- $keySet = true }}{{- $takeKey = false }}
{{- else if $skip }}{{- $skip = false }}
{{- else if eq . "--" }}{{- $stop = true }}
{{- else if eq . "--encrypt" }}{{- $flag = . }}{{- $on = true }}
{{- else if hasPrefix "--encrypt=" . }}
{{- $value := trimPrefix "--encrypt=" . }}
{{- if has $value $c.goTrue }}{{- $flag = . }}{{- $on = true }}{{- else if has $value $c.goFalse }}{{- $flag = . }}{{- $on = false }}{{- end }}
{{- else if eq . "--encrypt-key" }}{{- $takeKey = true }}
{{- else if hasPrefix "--encrypt-key=" . }}{{- $key = trimPrefix "--encrypt-key=" . }}{{- $keySet = true }}
{{- else if has . $c.valueFlags }}{{- $skip = true }}
{{- end }}
{{- end }}
{{- $envOn := "" }}{{- $envKey := false }}
{{- range $v.extraEnv }}
{{- if kindIs "string" .name }}
{{- $from := and (hasKey . "valueFrom") (not (kindIs "invalid" .valueFrom)) }}
{{- $text := "" }}{{- if kindIs "string" .value }}{{- $text = .value }}{{- end }}
{{- if eq .name $c.encryptEnv }}
{{- $envOn = "" }}
{{- if $from }}{{- $envOn = printf "%s from valueFrom" $c.encryptEnv }}{{- else if regexMatch $c.envReferencePattern $text }}{{- $envOn = printf "%s from a $(variable) the kubelet expands" $c.encryptEnv }}{{- else if has $text $c.goTrue }}{{- $envOn = printf "%s=%s" $c.encryptEnv $text }}{{- end }}
{{- else if eq .name $c.encryptKeyEnv }}
{{- $envKey = or $from (ne $text "") }}
{{- end }}
{{- end }}
{{- end }}
{{- if and (not $keySet) $envKey }}{{- $key = "env" }}{{- $keySet = true }}{{- end }}
{{- if not (and $keySet (ne $key "")) }}
{{- if $flag }}{{- if $on }}{{- $problems = append $problems (printf $p.encryptWithoutKey $flag) }}{{- end }}
{{- else if $envOn }}{{- $problems = append $problems (printf $p.encryptEnvWithoutKey $envOn) }}
{{- end }}
{{- end }}
{{- end }}
{{- if and $v.restore.enabled (eq $v.restore.mode "cronjob") }}{{- $schedules = append $schedules (list "restore.schedule" $v.restore.schedule) }}{{- end }}
{{- if and $v.guard.enabled (or $v.backup.enabled $v.restore.enabled) }}{{- $schedules = append $schedules (list "guard.schedule" $v.guard.schedule) }}{{- end }}
{{- range $schedules }}
{{- $found := include "infrahub-backup.scheduleProblem" (dict "s" (index . 1) "c" $c "p" $p) }}
{{- if $found }}{{- $problems = append $problems (printf "%s: %s" (index . 0) $found) }}{{- end }}
{{- end }}
{{- $mv := $v.monitoring }}
{{- if and $v.backup.enabled $v.cronJob.timeZone (not $mv.backupMaxAge) (or (and $mv.prometheusRule.enabled (eq $v.backup.mode "cronjob")) $mv.freshness.enabled) }}
{{- if not (include "infrahub-backup.scheduleProblem" (dict "s" $v.backup.schedule "c" $c "p" $p)) }}
{{- if include "infrahub-backup.maxAgeUnderivable" (dict "c" $c "schedule" $v.backup.schedule "zone" $v.cronJob.timeZone) }}
{{- $problems = append $problems (printf $p.maxAgeNotDerived $v.backup.schedule $v.cronJob.timeZone) }}
{{- end }}
{{- end }}
{{- end }}
{{- if $v.restore.enabled }}
{{- if and (eq $v.restore.mode "cronjob") (ne $v.restore.storage.type "s3") }}
{{- $problems = append $problems $p.scheduledRestoreNeedsS3 }}
{{- end }}
{{- if eq $v.restore.storage.type "s3" }}
{{- $s3 := $v.restore.storage.s3 }}
{{- if not $s3.bucket }}{{- $problems = append $problems $p.restoreBucketMissing }}{{- end }}
{{- if and $s3.key $s3.latest }}{{- $problems = append $problems $p.keyAndLatest }}
{{- else if and (not $s3.key) (not $s3.latest) }}{{- $problems = append $problems $p.keyOrLatestMissing }}
{{- end }}
{{- /* checks.ts: latest takes only proven archives, and an encrypted one never is */}}
{{- if and $s3.latest (not $s3.acceptUnproven) $v.restore.decryption.secretName }}{{- $problems = append $problems $p.latestOfEncrypted }}{{- end }}
{{- end }}
{{- end }}
{{- /* the alerts' values (checks.ts checkMonitoring) */}}
{{- $rule := $v.monitoring.prometheusRule }}
{{- if and $rule.enabled (eq (include "infrahub-backup.durationSeconds" $rule.expectedJobDuration) "0") }}
{{- $problems = append $problems $p.jobDurationZero }}
{{- end }}
{{- if and $rule.enabled (not (include "infrahub-backup.re2Subset" (dict "re" $rule.infrahubWorkloads "c" $c))) }}
{{- $problems = append $problems (printf $p.workloadsPattern $rule.infrahubWorkloads) }}
{{- end }}
{{- /* checks.ts checkCredentialEgress */}}
{{- if and $v.networkPolicy.enabled (not $v.networkPolicy.credentialEndpoints) }}
{{- $secretPath := "" }}
{{- if and $v.backup.enabled (eq $v.backup.storage.type "s3") }}
{{- if not $v.backup.storage.s3.secretName }}{{- $secretPath = "backup.storage.s3.secretName" }}{{- end }}
{{- else if and $v.restore.enabled (eq $v.restore.storage.type "s3") }}
{{- if not $v.restore.storage.s3.secretName }}{{- $secretPath = "restore.storage.s3.secretName" }}{{- end }}
{{- end }}
{{- if $secretPath }}{{- $problems = append $problems (printf $p.credentialEgressMissing $secretPath $secretPath) }}{{- end }}
{{- end }}
{{- /* checks.ts heartbeatPinged: only a backup to S3 pings: its pod with the guard, the retention, verification and freshness CronJobs */}}
{{- $b := $v.backup }}
{{- if and $v.monitoring.heartbeat.secretName (not (and $b.enabled (eq $b.storage.type "s3") (or $v.guard.enabled $b.retention.enabled $b.verification.enabled $v.monitoring.freshness.enabled))) }}
{{- $problems = append $problems $p.heartbeatWithoutPing }}
{{- end }}
{{- if $problems }}
{{- fail (printf "invalid values:\n%s" (join "\n" $problems)) }}
{{- end }}
{{- /* names (objects.ts objectNames) */}}
{{- $name := include "infrahub-backup.truncName" (list ($v.nameOverride | default $c.chartName) 63) }}
{{- $longName := $v.nameOverride | default $c.chartName }}
{{- $fullname := "" }}
{{- if $v.fullnameOverride }}
{{- $fullname = include "infrahub-backup.truncName" (list $v.fullnameOverride 63) }}
{{- else if contains $longName .Release.Name }}
{{- $fullname = include "infrahub-backup.truncName" (list .Release.Name 63) }}
{{- else }}
{{- $fullname = include "infrahub-backup.truncName" (list (printf "%s-%s" .Release.Name $longName) 63) }}
{{- end }}
{{- $serviceAccount := $v.serviceAccount.name | default (ternary $fullname "default" $v.serviceAccount.create) }}
{{- $backupHash := include "infrahub-backup.requestHash" (omit $v "restore" "monitoring" "networkPolicy") }}
{{- $restoreHash := include "infrahub-backup.restoreRequest" $v | sha256sum | trunc 8 }}
{{- $names := dict
  "name" $name
  "fullname" $fullname
  "serviceAccount" $serviceAccount
  "role" $fullname
  "roleBinding" $fullname
  "backupJob" (include "infrahub-backup.suffixedName" (list $fullname "backup" $backupHash 63))
  "backupCronJob" (include "infrahub-backup.truncName" (list $fullname 52))
  "backupClaim" ($v.backup.storage.local.persistence.existingClaim | default (include "infrahub-backup.suffixedName" (list $fullname "backups" "" 253)))
  "restoreJob" (include "infrahub-backup.suffixedName" (list $fullname "restore" $restoreHash 63))
  "restoreCronJob" (include "infrahub-backup.suffixedName" (list $fullname "restore" "" 52))
  "retentionCronJob" (include "infrahub-backup.sideCronJobName" (list $fullname "retention"))
  "verificationCronJob" (include "infrahub-backup.sideCronJobName" (list $fullname "verify"))
  "freshnessCronJob" (include "infrahub-backup.sideCronJobName" (list $fullname "freshness"))
  "guardCronJob" (include "infrahub-backup.sideCronJobName" (list $fullname "guard"))
  "scaleGuard" (printf "%s-scale-guard" $fullname)
  "networkPolicy" $fullname
  "prometheusRule" $fullname
  "dashboard" (include "infrahub-backup.suffixedName" (list $fullname "dashboard" "" 253))
}}
{{- $selector := dict "app.kubernetes.io/name" $name "app.kubernetes.io/instance" .Release.Name }}
{{- $common := merge (dict
  "app.kubernetes.io/part-of" "infrahub"
  "app.kubernetes.io/version" .Chart.AppVersion
  "app.kubernetes.io/managed-by" .Release.Service
  "helm.sh/chart" (printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-")
) $selector }}
{{- dict "v" $v "c" $c "names" $names "selector" $selector "common" $common "release" .Release.Name "namespace" .Release.Namespace | toJson -}}
{{- end }}

{{/* The port of an S3 endpoint URL: its own, else 80 for http://, else 443 (network-policy endpointPort): ENDPOINT */}}
{{- define "infrahub-backup.endpointPort" -}}
{{- $host := regexReplaceAll "^https?://([^/]+).*$" (regexFind "^https?://[^/]+" .) "${1}" }}
{{- $hostPort := regexFind ":[0-9]+$" $host }}
{{- if $hostPort }}{{- trimPrefix ":" $hostPort | atoi }}{{- else if hasPrefix "http://" . }}80{{- else }}443{{- end -}}
{{- end }}

{{/* The warnings of the values (checks.ts valuesWarnings), as a JSON list of lines: dict "d" DEPLOYMENT "w" WARNING_TEXTS */}}
{{- define "infrahub-backup.warnings" -}}
{{- $v := .d.v }}
{{- $w := .w }}
{{- $out := list }}
{{- if $v.restore.enabled }}
{{- if ne (int64 $v.job.backoffLimit) 0 }}{{- $out = append $out (printf $w.restoreBackoffLimit (toString (int64 $v.job.backoffLimit))) }}{{- end }}
{{- if not (kindIs "invalid" $v.job.ttlSecondsAfterFinished) }}{{- $out = append $out (printf $w.restoreTtl (toString (int64 $v.job.ttlSecondsAfterFinished))) }}{{- end }}
{{- if and (eq $v.restore.mode "cronjob") (ne $v.cronJob.concurrencyPolicy "Forbid") }}{{- $out = append $out (printf $w.restoreConcurrencyPolicy $v.cronJob.concurrencyPolicy) }}{{- end }}
{{- end }}
{{- $out | toJson -}}
{{- end }}
