{{/* The render scope and the naming algorithms (src/model/names.ts, objects.ts); the rest is generated (_generated.tpl, _shapes.tpl). */}}

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

{{/* The first 8 hex digits of the SHA-256 of a request's JSON. */}}
{{- define "infrahub-backup.requestHash" -}}
{{- toJson . | sha256sum | trunc 8 -}}
{{- end }}

{{/* The render scope as JSON (src/shapes/scope.ts renderScope); fails listing every problem of the values. Read through infrahub-backup.deployment, which derives it once a render. */}}
{{- define "infrahub-backup.scope" -}}
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
{{- /* the cross-field checks (src/shapes/checks.ts), generated */}}
{{- $problems = concat $problems (include "infrahub-backup.crossFieldProblems" (dict "d" (dict "v" $v "release" .Release.Name "namespace" .Release.Namespace "c" $c "p" $p)) | fromJsonArray) }}
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
{{- /* objects.ts backupRequest: without the values only the companion CronJobs read */}}{{- $backupValues := set (set (omit $v.backup "objectLock" "storage" "retention") "storage" (set (omit $v.backup.storage "s3") "s3" (omit $v.backup.storage.s3 "copy"))) "retention" (omit $v.backup.retention "keepDaily" "keepWeekly" "keepMonthly" "keepYearly") }}{{- $hashes := dict "backup" (include "infrahub-backup.requestHash" (set (omit $v "restore" "monitoring" "networkPolicy" "backup") "backup" $backupValues)) "restore" (include "infrahub-backup.requestHash" (include "infrahub-backup.shape.restoreRequest" (dict "d" (dict "v" $v)) | fromJson).r) }}
{{- $names := include "infrahub-backup.names" (dict "v" $v "fullname" $fullname "name" $name "serviceAccount" $serviceAccount "hashes" $hashes) | fromJson }}
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
