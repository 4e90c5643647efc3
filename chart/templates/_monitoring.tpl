{{/*
Monitoring helpers: the backups' maximum age (src/model/max-age.ts, step by
step), the heartbeat variable (companion.ts) and the alert rules
(prometheus-rule.ts), filled in from the table of _generated.tpl.
*/}}

{{/* Seconds of a duration such as 26h or 1d2h (max-age.ts durationSeconds). */}}
{{- define "infrahub-backup.durationSeconds" -}}
{{- $units := dict "w" 604800 "d" 86400 "h" 3600 "m" 60 "s" 1 }}
{{- $total := 0 }}
{{- range $group := regexFindAll "[0-9]+[wdhms]" . -1 }}
{{- $unit := regexFind "[wdhms]$" $group }}
{{- $total = add $total (mul (atoi (trimSuffix $unit $group)) (get $units $unit)) }}
{{- end }}
{{- $total -}}
{{- end }}

{{/* A number of a cron field, by name or digits (max-age.ts fieldNumber): dict "c" CONSTANTS "text" TEXT */}}
{{- define "infrahub-backup.maxAgeCronNumber" -}}
{{- $key := upper .text }}
{{- if hasKey .c.cronNames $key }}{{- get .c.cronNames $key | int }}{{- else }}{{- atoi .text }}{{- end -}}
{{- end }}

{{/* The sorted values of a cron field, as JSON (max-age.ts fieldValues): dict "c" CONSTANTS "field" F "lo" LO "hi" HI */}}
{{- define "infrahub-backup.fieldValues" -}}
{{- $c := .c }}{{- $lo := .lo | int }}{{- $hi := .hi | int }}
{{- $selected := dict }}
{{- range $item := splitList "," .field }}
{{- $parts := splitList "/" $item }}
{{- $base := index $parts 0 }}
{{- $step := 1 }}
{{- if gt (len $parts) 1 }}{{- $step = max 1 (atoi (index $parts 1)) | int }}{{- end }}
{{- $from := $lo }}{{- $to := $hi }}
{{- if and (ne $base "*") (ne $base "?") }}
{{- $ab := splitList "-" $base }}
{{- $from = include "infrahub-backup.maxAgeCronNumber" (dict "c" $c "text" (index $ab 0)) | atoi }}
{{- if gt (len $ab) 1 }}{{- $to = include "infrahub-backup.maxAgeCronNumber" (dict "c" $c "text" (index $ab 1)) | atoi }}
{{- else if gt (len $parts) 1 }}{{- $to = $hi }}
{{- else }}{{- $to = $from }}{{- end }}
{{- end }}
{{- $last := min $to $hi | int }}
{{- if le $from $last }}
{{- range $x := untilStep $from (add $last 1 | int) $step }}{{- $_ := set $selected (printf "%03d" $x) $x }}{{- end }}
{{- end }}
{{- end }}
{{- $values := list }}
{{- range $key, $x := $selected }}{{- $values = append $values $x }}{{- end }}
{{- if not $values }}{{- $values = untilStep $lo (add $hi 1 | int) 1 }}{{- end }}
{{- toJson $values -}}
{{- end }}

{{/* The largest difference between consecutive values (0 for one value): LIST */}}
{{- define "infrahub-backup.innerGap" -}}
{{- $gap := 0 }}{{- $prev := 0 }}
{{- range $i, $x := . }}{{- if $i }}{{- $gap = max $gap (sub (int $x) $prev) }}{{- end }}{{- $prev = int $x }}{{- end }}
{{- $gap -}}
{{- end }}

{{/* The largest gap between consecutive values on a cycle: list VALUES PERIOD */}}
{{- define "infrahub-backup.cyclicGap" -}}
{{- $values := index . 0 }}
{{- $wrap := sub (add (first $values | int) (index . 1 | int)) (last $values | int) }}
{{- max (include "infrahub-backup.innerGap" $values | atoi) $wrap -}}
{{- end }}

{{/* The longest gap in days between days of the month (max-age.ts monthDayGap): LIST */}}
{{- define "infrahub-backup.monthDayGap" -}}
{{- $everyMonth := list }}
{{- range $d := . }}{{- if le (int $d) 28 }}{{- $everyMonth = append $everyMonth $d }}{{- end }}{{- end }}
{{- if $everyMonth }}{{- include "infrahub-backup.cyclicGap" (list $everyMonth 31) }}
{{- else }}{{- add (include "infrahub-backup.cyclicGap" (list . 31) | atoi) 31 }}{{- end -}}
{{- end }}

{{/* The longest time between two runs of a schedule, in minutes (max-age.ts scheduleIntervalMinutes): dict "c" CONSTANTS "schedule" S */}}
{{- define "infrahub-backup.scheduleIntervalMinutes" -}}
{{- $c := .c }}
{{- $trimmed := trim .schedule }}
{{- if hasPrefix "@every " $trimmed }}
{{- $d := trimPrefix "@every " $trimmed }}
{{- if hasPrefix "-" $d }}1{{- else }}
{{- $total := 0.0 }}
{{- range regexFindAll $c.durationPart $d -1 }}
{{- $number := regexFind "^[0-9.]+" . }}
{{- $total = addf $total (mulf (float64 $number) (index $c.durationUnits (trimPrefix $number .))) }}
{{- end }}
{{- max 1 (ceil (divf $total 60e9) | int64) }}
{{- end }}
{{- else }}
{{- $expression := $trimmed }}
{{- if hasKey $c.cronMacros $trimmed }}{{- $expression = get $c.cronMacros $trimmed }}{{- end }}
{{- $fields := concat (regexSplit "\\s+" $expression -1) (list "*" "*" "*" "*" "*") }}
{{- $minutes := include "infrahub-backup.fieldValues" (dict "c" $c "field" (index $fields 0) "lo" 0 "hi" 59) | fromJsonArray }}
{{- $hours := include "infrahub-backup.fieldValues" (dict "c" $c "field" (index $fields 1) "lo" 0 "hi" 23) | fromJsonArray }}
{{- $days := include "infrahub-backup.fieldValues" (dict "c" $c "field" (index $fields 2) "lo" 1 "hi" 31) | fromJsonArray }}
{{- $months := include "infrahub-backup.fieldValues" (dict "c" $c "field" (index $fields 3) "lo" 1 "hi" 12) | fromJsonArray }}
{{- $weekdaySet := dict }}
{{- range $d := include "infrahub-backup.fieldValues" (dict "c" $c "field" (index $fields 4) "lo" 0 "hi" 7) | fromJsonArray }}
{{- $_ := set $weekdaySet (mod (int $d) 7 | toString) (mod (int $d) 7) }}
{{- end }}
{{- $weekdays := list }}
{{- range $key, $d := $weekdaySet }}{{- $weekdays = append $weekdays $d }}{{- end }}
{{- $dayGap := 1 }}
{{- if lt (len $months) 12 }}
{{- $dayGap = mul (include "infrahub-backup.cyclicGap" (list $months 12) | atoi) 31 }}
{{- else if and (lt (len $days) 31) (lt (len $weekdays) 7) }}
{{- $dayGap = min (include "infrahub-backup.monthDayGap" $days | atoi) (include "infrahub-backup.cyclicGap" (list $weekdays 7) | atoi) }}
{{- else if lt (len $days) 31 }}
{{- $dayGap = include "infrahub-backup.monthDayGap" $days | atoi }}
{{- else if lt (len $weekdays) 7 }}
{{- $dayGap = include "infrahub-backup.cyclicGap" (list $weekdays 7) | atoi }}
{{- end }}
{{- $m0 := first $minutes | int }}{{- $mLast := last $minutes | int }}
{{- $firstRun := add (mul (first $hours | int) 60) $m0 }}
{{- $lastRun := add (mul (last $hours | int) 60) $mLast }}
{{- $withinHour := include "infrahub-backup.innerGap" $minutes | atoi }}
{{- $acrossHours := sub (add (mul (include "infrahub-backup.innerGap" $hours | atoi) 60) $m0) $mLast }}
{{- $acrossDays := sub (add (mul $dayGap 1440) $firstRun) $lastRun }}
{{- max $withinHour $acrossHours $acrossDays -}}
{{- end }}
{{- end }}

{{/* monitoring.backupMaxAge, or the backup schedule's longest gap plus the margin (max-age.ts backupMaxAge): DEPLOYMENT */}}
{{- define "infrahub-backup.backupMaxAge" -}}
{{- if .v.monitoring.backupMaxAge }}
{{- .v.monitoring.backupMaxAge }}
{{- else }}
{{- $total := add (include "infrahub-backup.scheduleIntervalMinutes" (dict "c" .c "schedule" .v.backup.schedule) | atoi) (.c.maxAgeMarginMinutes | int) }}
{{- $h := div $total 60 }}{{- $m := mod $total 60 }}
{{- if eq (int $h) 0 }}{{- printf "%dm" $m }}{{- else if eq (int $m) 0 }}{{- printf "%dh" $h }}{{- else }}{{- printf "%dh%dm" $h $m }}{{- end }}
{{- end -}}
{{- end }}

{{/* The heartbeat variables, from monitoring.heartbeat's Secret and the maximum age, as a JSON list (companion.ts heartbeatEnv): DEPLOYMENT */}}
{{- define "infrahub-backup.heartbeatEnv" -}}
{{- $h := .v.monitoring.heartbeat }}
{{- if $h.secretName }}
{{- list (include "infrahub-backup.secretEnv" (list .c.heartbeatEnv $h.secretName $h.key) | fromJson) (dict "name" .c.heartbeatMaxAgeEnv "value" (include "infrahub-backup.backupMaxAge" .)) | toJson }}
{{- else }}
{{- list | toJson }}
{{- end -}}
{{- end }}

{{/* One alert rule (prometheus-rule.ts rule): dict "d" D "alerts" TABLE "alert" NAME "expression" KIND "vars" VARS "for" DURATION-OR-EMPTY */}}
{{- define "infrahub-backup.alertRule" -}}
{{- $d := .d }}
{{- $text := get .alerts.alerts .alert }}
{{- $vars := merge (dict "NAMESPACE" $d.namespace) .vars }}
{{- if .for }}{{- $_ := set $vars "FOR" .for }}{{- end }}
{{- $expr := get .alerts.expressions .expression }}
{{- $summary := $text.summary }}
{{- $description := $text.description }}
{{- range $key, $value := $vars }}
{{- $token := printf "@%s@" $key }}
{{- $expr = replace $token (toString $value) $expr }}
{{- $summary = replace $token (toString $value) $summary }}
{{- $description = replace $token (toString $value) $description }}
{{- end }}
{{- $annotations := dict "summary" $summary "description" $description "runbook_url" (printf "%s#%s" $d.v.monitoring.prometheusRule.runbookUrl (lower .alert)) }}
{{- /* several releases may watch one namespace: the label says whose rule fired */}}
{{- $rule := dict "alert" .alert "expr" $expr "labels" (dict "severity" $text.severity "release" $d.release) "annotations" $annotations }}
{{- if .for }}{{- $_ := set $rule "for" .for }}{{- end }}
{{- toJson $rule -}}
{{- end }}

{{/* NetworkPolicy peers of a list of CIDRs, as JSON (network-policy.ts peers): LIST */}}
{{- define "infrahub-backup.ipBlocks" -}}
{{- $peers := list }}
{{- range $cidr := . }}{{- $peers = append $peers (dict "ipBlock" (dict "cidr" $cidr)) }}{{- end }}
{{- toJson $peers -}}
{{- end }}
