{{/* The restore pod (src/constructs/restore-pod.ts). */}}

{{/* Arguments of `infrahub-backup restore`, per the image's contract. */}}
{{- define "infrahub-backup.restoreArgs" -}}
{{- $r := .v.restore }}{{- $s := $r.storage }}{{- $o := $r.options }}
{{- $args := list "restore" }}
{{- if eq $s.type "local" }}
{{- $args = append $args (printf "%s/%s" $s.path $s.local.filename) }}
{{- else if $s.s3.latest }}
{{- /* without a named archive the image (2.3.0 and later) picks the newest one under the bucket and prefix */}}
{{- $args = concat $args (list "--latest" "--s3") }}
{{- else }}
{{- $args = append $args (printf "s3://%s/%s" $s.s3.bucket $s.s3.key) }}
{{- end }}
{{- if $o.excludeTaskmanager }}{{- $args = append $args "--exclude-taskmanager" }}{{- end }}
{{- if $o.migrateFormat }}{{- $args = append $args "--migrate-format" }}{{- end }}
{{- if $o.resetDeploymentId }}{{- $args = append $args "--reset-deployment-id" }}{{- end }}
{{- if $r.decryption.secretName }}{{- $args = append $args (printf "--decrypt-key=%s/%s" .c.keysDir $r.decryption.key) }}{{- end }}
{{- if and (eq $s.type "local") (not $s.local.existingClaim) $o.sleep }}
{{- $args = append $args (printf "--sleep=%s" $o.sleep) }}
{{- end }}
{{- dict "args" (concat $args $o.extraArgs) | toJson -}}
{{- end }}

{{/* The restore pod template. */}}
{{- define "infrahub-backup.restorePodTemplate" -}}
{{- $r := .v.restore }}{{- $s := $r.storage }}
{{- $volume := include "infrahub-backup.emptyDir" .v.scratch.sizeLimit | fromJson }}
{{- if and (eq $s.type "local") $s.local.existingClaim }}
{{- $volume = dict "persistentVolumeClaim" (dict "claimName" $s.local.existingClaim) }}
{{- end }}
{{- $s3 := dict }}
{{- if eq $s.type "s3" }}{{- $s3 = $s.s3 }}{{- end }}
{{- $key := dict }}
{{- if $r.decryption.secretName }}{{- $key = dict "secretName" $r.decryption.secretName "key" $r.decryption.key }}{{- end }}
{{- include "infrahub-backup.podTemplate" (dict
  "d" .
  "component" "restore"
  "args" (include "infrahub-backup.restoreArgs" . | fromJson).args
  "storagePath" $s.path
  "storageVolume" $volume
  "s3" $s3
  "keySecret" $key
) -}}
{{- end }}
