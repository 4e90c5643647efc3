{{/* The restore pod (src/constructs/restore-pod.ts). */}}

{{/* The archive to restore (restore-pod.ts restoreSource): a URI or a file; empty for the newest archive. */}}
{{- define "infrahub-backup.restoreSource" -}}
{{- $s := .v.restore.storage }}
{{- if eq $s.type "local" }}{{- printf "%s/%s" $s.path $s.local.filename }}
{{- else if not $s.s3.latest }}{{- printf "s3://%s/%s" $s.s3.bucket $s.s3.key }}
{{- end -}}
{{- end }}

{{/* Flags of `infrahub-backup restore`, per the image's contract (restore-pod.ts restoreFlags). */}}
{{- define "infrahub-backup.restoreFlags" -}}
{{- $r := .v.restore }}{{- $s := $r.storage }}{{- $o := $r.options }}
{{- $flags := list }}
{{- if $o.excludeTaskmanager }}{{- $flags = append $flags "--exclude-taskmanager" }}{{- end }}
{{- if $o.migrateFormat }}{{- $flags = append $flags "--migrate-format" }}{{- end }}
{{- if $o.resetDeploymentId }}{{- $flags = append $flags "--reset-deployment-id" }}{{- end }}
{{- if $r.decryption.secretName }}{{- $flags = append $flags (printf "--decrypt-key=%s/%s" .c.keysDir $r.decryption.key) }}{{- end }}
{{- if and (eq $s.type "local") (not $s.local.existingClaim) $o.sleep }}
{{- $flags = append $flags (printf "--sleep=%s" $o.sleep) }}
{{- end }}
{{- dict "flags" (concat $flags $o.extraArgs) | toJson -}}
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
{{- $source := include "infrahub-backup.restoreSource" . }}
{{- $flags := (include "infrahub-backup.restoreFlags" . | fromJson).flags | default (list) }}
{{- $args := concat (list "restore" $source) $flags }}
{{- $command := list }}
{{- $init := list }}
{{- $latest := and $s3 $s3.latest }}
{{- if $latest }}
{{- /* the find-latest init container writes the URI; the image's shell makes it the first argument */}}
{{- $args = $flags }}
{{- $command = list "/bin/sh" "-c" (printf "exec %s restore \"$(cat %s)\" \"$@\"" .c.imageEntrypoint .c.archiveUriFile) "infrahub-backup" }}
{{- $handoffMount := list (dict "name" (include "infrahub-backup.podNames" . | fromJson).volume.handoff "mountPath" .c.handoffDir) }}
{{- $find := ternary (list "preflight" "--for" "restore") (list "latest") (.v.companion.preflight | default false) }}
{{- /* the newest proven archive, unless acceptUnproven takes a newer one whose ends look complete (companion.ts latestArchiveContainer) */}}
{{- if .v.restore.storage.s3.acceptUnproven }}{{- $find = append $find "--accept-unproven" }}{{- end }}
{{- $init = list (include "infrahub-backup.companionContainer" (dict "d" . "name" "find-latest" "args" (concat $find (list "--output" .c.archiveUriFile)) "s3" $s3 "mounts" $handoffMount) | fromJson) }}
{{- else if and $s3 .v.companion.preflight }}
{{- $init = list (include "infrahub-backup.preflightContainer" (dict "d" . "purpose" "restore" "s3" $s3 "uri" $source) | fromJson) }}
{{- end }}
{{- include "infrahub-backup.podTemplate" (dict
  "d" .
  "component" "restore"
  "args" $args
  "command" $command
  "initContainers" $init
  "handoff" $latest
  "storagePath" $s.path
  "storageVolume" $volume
  "s3" $s3
  "keySecret" $key
) -}}
{{- end }}
