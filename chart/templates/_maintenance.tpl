{{/*
CronJobs of the companion image that look after the archives in S3
(backup-maintenance-cron-jobs.ts): no Kubernetes rights, so no token; they
ping the heartbeat URL of monitoring.heartbeat.
dict "d" D "component" C "name" NAME "schedule" S "args" ARGS "initContainers" LIST
*/}}
{{- define "infrahub-backup.maintenanceCronJob" -}}
{{- $d := .d }}{{- $v := $d.v }}
{{- $container := include "infrahub-backup.companionContainer" (dict "d" $d "name" .component "args" .args "s3" $v.backup.storage.s3 "heartbeat" true) | fromJson }}
{{- $tmp := merge (dict "name" (include "infrahub-backup.podNames" . | fromJson).volume.tmp) (include "infrahub-backup.emptyDir" $v.scratch.sizeLimit | fromJson) }}
{{- $template := include "infrahub-backup.workloadPodTemplate" (dict "d" $d "component" .component "containers" (list $container) "initContainers" (.initContainers | default (list)) "volumes" (list $tmp) "automountToken" false) | fromJson }}
{{- (include "infrahub-backup.shape.cronJobObject" (dict "d" $d "a" (dict "name" .name "component" .component "template" $template "backoffLimit" ($v.job.backoffLimit | default 0) "activeDeadlineSeconds" $v.job.activeDeadlineSeconds "schedule" .schedule "concurrencyPolicy" "Forbid")) | fromJson).r | toYaml }}
{{- end }}

{{/* The freshness check's arguments, as a JSON list (backup-maintenance-cron-jobs.ts freshnessArgs): DEPLOYMENT */}}
{{- define "infrahub-backup.freshnessArgs" -}}
{{- list "latest" "--accept-unproven" "--max-age" (include "infrahub-backup.backupMaxAge" .) | toJson -}}
{{- end }}

{{/* The container that fails when the newest archive is older than the maximum age (backup-maintenance-cron-jobs.ts freshnessContainer): DEPLOYMENT */}}
{{- define "infrahub-backup.freshnessContainer" -}}
{{- $args := include "infrahub-backup.freshnessArgs" . | fromJsonArray }}
{{- include "infrahub-backup.companionContainer" (dict "d" . "name" "freshness" "args" $args "s3" .v.backup.storage.s3 "heartbeat" true) -}}
{{- end }}
