{{/*
The hardened pod template shared by every workload (src/constructs/pod.ts),
built as a dict and returned as JSON so that odd strings in values are never
spliced into YAML text.
*/}}

{{/* S3 variables of the image: dict of S3 settings (pod.ts s3Env) */}}
{{- define "infrahub-backup.s3Env" -}}
{{- $n := (include "infrahub-backup.podNames" . | fromJson).env }}
{{- $env := list (dict "name" $n.s3Bucket "value" .bucket) }}
{{- if .prefix }}{{- $env = append $env (dict "name" $n.s3Prefix "value" .prefix) }}{{- end }}
{{- if .endpoint }}{{- $env = append $env (dict "name" $n.s3Endpoint "value" .endpoint) }}{{- end }}
{{- $env = append $env (dict "name" $n.s3Region "value" .region) }}
{{- if .secretName }}
{{- $env = append $env (include "infrahub-backup.secretEnv" (list $n.accessKeyId .secretName .accessKeyIdKey) | fromJson) }}
{{- $env = append $env (include "infrahub-backup.secretEnv" (list $n.secretAccessKey .secretName .secretAccessKeyKey) | fromJson) }}
{{- if .sessionTokenKey }}
{{- $env = append $env (include "infrahub-backup.secretEnv" (list $n.sessionToken .secretName .sessionTokenKey) | fromJson) }}
{{- end }}
{{- end }}
{{- dict "env" $env | toJson -}}
{{- end }}

{{/* An environment variable from a Secret: list NAME SECRET KEY */}}
{{- define "infrahub-backup.secretEnv" -}}
{{- dict "name" (index . 0) "valueFrom" (dict "secretKeyRef" (dict "name" (index . 1) "key" (index . 2))) | toJson -}}
{{- end }}

{{/* Arguments as the kubelet must receive them to pass them on unchanged: every "$" doubled (pod.ts kubeletEscape). */}}
{{- define "infrahub-backup.kubeletEscape" -}}
{{- $out := list }}
{{- range . }}{{- $out = append $out (replace "$" "$$" (toString .)) }}{{- end }}
{{- dict "args" $out | toJson -}}
{{- end }}

{{/* An emptyDir volume source with an optional size limit. */}}
{{- define "infrahub-backup.emptyDir" -}}
{{- if . }}{{- dict "emptyDir" (dict "sizeLimit" .) | toJson }}{{- else }}{{- dict "emptyDir" (dict) | toJson }}{{- end -}}
{{- end }}

{{/*
The pod template: dict "d" DEPLOYMENT "component" backup|restore "args" ARGS
"storagePath" PATH "storageVolume" VOLUME-SOURCE "s3" S3-SETTINGS-OR-EMPTY
"keySecret" (dict "secretName" "key")-OR-EMPTY
*/}}
{{- define "infrahub-backup.podTemplate" -}}
{{- $d := .d }}{{- $v := $d.v }}{{- $c := $d.c }}
{{- $names := include "infrahub-backup.podNames" . | fromJson }}{{- $n := $names.env }}{{- $vol := $names.volume }}
{{- $env := list
  (dict "name" $n.namespace "valueFrom" (dict "fieldRef" (dict "fieldPath" "metadata.namespace")))
  (dict "name" $n.backupDir "value" .storagePath)
  (dict "name" $n.logFormat "value" $v.logFormat)
  (dict "name" $n.home "value" $c.homeDir)
  (dict "name" $n.tmpDir "value" $names.tmpDir)
}}
{{- if .s3 }}{{- $env = concat $env (include "infrahub-backup.s3Env" .s3 | fromJson).env }}{{- end }}
{{- if $v.neo4j.secretName }}
{{- $env = append $env (include "infrahub-backup.secretEnv" (list $n.dbPassword $v.neo4j.secretName $v.neo4j.passwordKey) | fromJson) }}
{{- if $v.neo4j.usernameKey }}
{{- $env = append $env (include "infrahub-backup.secretEnv" (list $n.dbUsername $v.neo4j.secretName $v.neo4j.usernameKey) | fromJson) }}
{{- end }}
{{- end }}
{{- $env = concat $env $v.extraEnv }}
{{- $volumes := list
  (merge (dict "name" $vol.tmp) (include "infrahub-backup.emptyDir" $v.scratch.sizeLimit | fromJson))
  (merge (dict "name" $vol.home) (include "infrahub-backup.emptyDir" $c.homeSizeLimit | fromJson))
  (merge (dict "name" $vol.backups) .storageVolume)
}}
{{- $mounts := list
  (dict "name" $vol.tmp "mountPath" $names.tmpDir)
  (dict "name" $vol.home "mountPath" $c.homeDir)
  (dict "name" $vol.backups "mountPath" .storagePath)
}}
{{- if .keySecret }}
{{- $items := list (dict "key" .keySecret.key "path" .keySecret.key) }}
{{- $volumes = append $volumes (dict "name" $vol.keys "secret" (dict "secretName" .keySecret.secretName "items" $items "defaultMode" $names.keyFileMode)) }}
{{- $mounts = append $mounts (dict "name" $vol.keys "mountPath" $c.keysDir "readOnly" true) }}
{{- end }}
{{- if .handoff }}
{{- $volumes = append $volumes (merge (dict "name" $vol.handoff) (include "infrahub-backup.emptyDir" $c.handoffSizeLimit | fromJson)) }}
{{- $mounts = append $mounts (dict "name" $vol.handoff "mountPath" $c.handoffDir "readOnly" true) }}
{{- end }}
{{- $mounts = concat $mounts $v.extraVolumeMounts }}
{{- $image := printf "%s:%s" $v.image.repository ($v.image.tag | default $c.defaultImageTag) }}
{{- if $v.image.digest }}{{- $image = printf "%s@%s" $v.image.repository $v.image.digest }}{{- end }}
{{- $container := dict
  "name" .component
  "image" $image
  "imagePullPolicy" $v.image.pullPolicy
  "args" (include "infrahub-backup.kubeletEscape" .args | fromJson).args
  "env" $env
  "resources" (include "infrahub-backup.resources" $v.resources | fromJson)
  "securityContext" $v.securityContext
  "volumeMounts" $mounts
}}
{{- if .command }}{{- $_ := set $container "command" .command }}{{- end }}
{{- include "infrahub-backup.workloadPodTemplate" (dict "d" $d "component" .component "containers" (list $container) "initContainers" .initContainers "volumes" $volumes "automountToken" true) -}}
{{- end }}

{{/* `resources` with the empty maps left out (pod.ts resourcesOf). */}}
{{- define "infrahub-backup.resources" -}}
{{- $resources := dict }}
{{- if .requests }}{{- $_ := set $resources "requests" .requests }}{{- end }}
{{- if .limits }}{{- $_ := set $resources "limits" .limits }}{{- end }}
{{- toJson $resources -}}
{{- end }}

{{/*
A pod template with the settings every workload shares (pod.ts workloadPodTemplate):
dict "d" D "component" C "containers" LIST "initContainers" LIST "volumes" LIST "automountToken" BOOL
*/}}
{{- define "infrahub-backup.workloadPodTemplate" -}}
{{- $d := .d }}{{- $v := $d.v }}
{{- $labels := merge (dict "app.kubernetes.io/component" .component) $d.selector $v.podLabels }}
{{- $metadata := dict "labels" $labels }}
{{- if $v.podAnnotations }}{{- $_ := set $metadata "annotations" $v.podAnnotations }}{{- end }}
{{- $spec := dict
  "serviceAccountName" $d.names.serviceAccount
  "automountServiceAccountToken" .automountToken
  "restartPolicy" (include "infrahub-backup.podNames" . | fromJson).restartPolicy
  "securityContext" $v.podSecurityContext
  "containers" .containers
  "volumes" (concat .volumes $v.extraVolumes)
}}
{{- if .initContainers }}{{- $_ := set $spec "initContainers" .initContainers }}{{- end }}
{{- if $v.imagePullSecrets }}{{- $_ := set $spec "imagePullSecrets" $v.imagePullSecrets }}{{- end }}
{{- if $v.priorityClassName }}{{- $_ := set $spec "priorityClassName" $v.priorityClassName }}{{- end }}
{{- if $v.nodeSelector }}{{- $_ := set $spec "nodeSelector" $v.nodeSelector }}{{- end }}
{{- if $v.tolerations }}{{- $_ := set $spec "tolerations" $v.tolerations }}{{- end }}
{{- if $v.affinity }}{{- $_ := set $spec "affinity" $v.affinity }}{{- end }}
{{- dict "metadata" $metadata "spec" $spec | toJson -}}
{{- end }}

{{/* A companion container (companion.ts): dict "d" D "name" N "args" ARGS "s3" S3 "mounts" LIST "heartbeat" BOOL */}}
{{- define "infrahub-backup.companionContainer" -}}
{{- $v := .d.v }}{{- $c := .d.c }}
{{- $image := printf "%s:%s" $v.companion.image.repository ($v.companion.image.tag | default $c.packageVersion) }}
{{- $heartbeat := list }}
{{- if .heartbeat }}{{- $heartbeat = include "infrahub-backup.heartbeatEnv" .d | fromJsonArray }}{{- end }}
{{- $env := concat (include "infrahub-backup.s3Env" .s3 | fromJson).env $heartbeat $v.extraEnv }}
{{- $names := include "infrahub-backup.podNames" . | fromJson }}
{{- $mounts := concat (list (dict "name" $names.volume.tmp "mountPath" $names.tmpDir)) (.mounts | default (list)) $v.extraVolumeMounts }}
{{- dict
  "name" .name
  "image" $image
  "imagePullPolicy" $v.companion.image.pullPolicy
  "args" (include "infrahub-backup.kubeletEscape" (concat (list "s3") .args) | fromJson).args
  "env" $env
  "resources" (include "infrahub-backup.resources" $v.companion.resources | fromJson)
  "securityContext" $v.securityContext
  "volumeMounts" $mounts
| toJson -}}
{{- end }}

{{/* The preflight init container: dict "d" D "purpose" backup|restore "s3" S3 "uri" URI-OR-EMPTY */}}
{{- define "infrahub-backup.preflightContainer" -}}
{{- $args := list "preflight" "--for" .purpose }}
{{- if .uri }}{{- $args = concat $args (list "--uri" .uri) }}{{- end }}
{{- include "infrahub-backup.companionContainer" (dict "d" .d "name" "preflight" "args" $args "s3" .s3) -}}
{{- end }}
