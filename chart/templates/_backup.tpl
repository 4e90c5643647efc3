{{/* The backup pod (src/constructs/backup-pod.ts). */}}

{{/* Whether local archives are kept on a PersistentVolumeClaim. */}}
{{- define "infrahub-backup.persistsLocally" -}}
{{- $s := .v.backup.storage }}
{{- if and (eq $s.type "local") $s.local.persistence.enabled }}true{{- end -}}
{{- end }}

{{/* Arguments of `infrahub-backup create`, per the image's contract. */}}
{{- define "infrahub-backup.backupArgs" -}}
{{- $b := .v.backup }}{{- $o := $b.options }}
{{- $args := list "create" }}
{{- if $o.force }}{{- $args = append $args "--force" }}{{- end }}
{{- if $o.excludeTaskmanager }}{{- $args = append $args "--exclude-taskmanager" }}{{- end }}
{{- $args = append $args (printf "--neo4jmetadata=%s" $o.neo4jMetadata) }}
{{- if eq $b.storage.type "s3" }}
{{- $args = append $args "--s3-upload" }}
{{- if $o.keepLocal }}{{- $args = append $args "--s3-keep-local" }}{{- end }}
{{- end }}
{{- if $b.encryption.secretName }}{{- $args = append $args (printf "--encrypt-key=%s/%s" .c.keysDir $b.encryption.key) }}{{- end }}
{{- if and (eq $b.storage.type "local") (not (include "infrahub-backup.persistsLocally" .)) $o.sleep }}
{{- $args = append $args (printf "--sleep=%s" $o.sleep) }}
{{- end }}
{{- dict "args" (concat $args $o.extraArgs) | toJson -}}
{{- end }}

{{/* The backup pod template. */}}
{{- define "infrahub-backup.backupPodTemplate" -}}
{{- $b := .v.backup }}
{{- $volume := include "infrahub-backup.emptyDir" .v.scratch.sizeLimit | fromJson }}
{{- if include "infrahub-backup.persistsLocally" . }}
{{- $volume = dict "persistentVolumeClaim" (dict "claimName" .names.backupClaim) }}
{{- end }}
{{- $s3 := dict }}
{{- if eq $b.storage.type "s3" }}{{- $s3 = $b.storage.s3 }}{{- end }}
{{- $key := dict }}
{{- if $b.encryption.secretName }}{{- $key = dict "secretName" $b.encryption.secretName "key" $b.encryption.key }}{{- end }}
{{- $init := list }}
{{- if and $s3 .v.companion.preflight }}
{{- $init = list (include "infrahub-backup.preflightContainer" (dict "d" . "purpose" "backup" "s3" $s3) | fromJson) }}
{{- end }}
{{- include "infrahub-backup.podTemplate" (dict
  "d" .
  "component" "backup"
  "initContainers" $init
  "args" (include "infrahub-backup.backupArgs" . | fromJson).args
  "storagePath" $b.storage.path
  "storageVolume" $volume
  "s3" $s3
  "keySecret" $key
) -}}
{{- end }}
