{{/* The backups' maximum age (src/model/max-age.ts, step by step), read by the generated shapes and checks. */}}

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

{{/* What the five fields of a valid schedule select (schedule.ts scheduleFieldSets, read by the check's own scheduleField), macros expanded, as a JSON list of {"values": {N: true}, "star": BOOL}: dict "c" CONSTANTS "schedule" S */}}
{{- define "infrahub-backup.scheduleFieldSets" -}}
{{- $c := .c }}
{{- $expression := .schedule }}
{{- if hasKey $c.cronMacros $expression }}{{- $expression = get $c.cronMacros $expression }}{{- end }}
{{- $texts := regexSplit "[ \t]+" $expression -1 }}
{{- $sets := list }}
{{- range $i, $f := $c.scheduleFields }}
{{- $sets = append $sets (include "infrahub-backup.scheduleField" (dict "text" (index $texts $i) "f" $f) | fromJson) }}
{{- end }}
{{- toJson $sets -}}
{{- end }}

{{/* The longest time between two runs in minutes by the wall clock, over the 28-year calendar cycle (max-age.ts wallGapMinutes): dict "c" CONSTANTS "sets" SETS */}}
{{- define "infrahub-backup.wallGapMinutes" -}}
{{- $c := .c }}{{- $cy := $c.calendarCycle }}
{{- $minute := index .sets 0 }}{{- $hour := index .sets 1 }}{{- $dom := index .sets 2 }}{{- $month := index .sets 3 }}{{- $dow := index .sets 4 }}
{{- $firstTime := -1 }}{{- $lastTime := -1 }}{{- $timeGap := 0 }}
{{- range $h := until 24 }}{{- if hasKey $hour.values (toString $h) }}
{{- range $m := until 60 }}{{- if hasKey $minute.values (toString $m) }}
{{- $t := add (mul $h 60) $m }}
{{- if lt $firstTime 0 }}{{- $firstTime = $t }}{{- else }}{{- $timeGap = max $timeGap (sub $t $lastTime) }}{{- end }}
{{- $lastTime = $t }}
{{- end }}{{- end }}
{{- end }}{{- end }}
{{- $both := or $dom.star $dow.star }}
{{- $gap := 0 }}
{{- if and (eq (len $month.values) 12) (or (and $both (eq (len $dom.values) 31) (eq (len $dow.values) 7)) (and (not $both) (or (eq (len $dom.values) 31) (eq (len $dow.values) 7)))) }}
{{- $gap = 1 }}
{{- else if and (eq (len $month.values) 12) $both (eq (len $dom.values) 31) }}
{{- $firstDay := -1 }}{{- $previous := -1 }}
{{- range $d := until 7 }}{{- if hasKey $dow.values (toString $d) }}
{{- if lt $firstDay 0 }}{{- $firstDay = $d }}{{- else }}{{- $gap = max $gap (sub $d $previous) }}{{- end }}
{{- $previous = $d }}
{{- end }}{{- end }}
{{- $gap = max $gap (sub (add $firstDay 7) $previous) }}
{{- else }}
{{- /* The days a month runs on, by the weekday of its first day and its length: first, last and longest gap (-1 when none) */}}
{{- $months := dict }}
{{- range $w := until 7 }}{{- range $length := untilStep 28 32 1 }}
{{- $firstDay := -1 }}{{- $previous := -1 }}{{- $inner := 0 }}
{{- range $d := until $length }}
{{- $inMonth := hasKey $dom.values (toString (add $d 1)) }}
{{- $inWeek := hasKey $dow.values (toString (mod (add $w $d) 7)) }}
{{- if ternary (and $inMonth $inWeek) (or $inMonth $inWeek) $both }}
{{- if lt $firstDay 0 }}{{- $firstDay = $d }}{{- else }}{{- $inner = max $inner (sub $d $previous) }}{{- end }}
{{- $previous = $d }}
{{- end }}
{{- end }}
{{- $_ := set $months (printf "%d-%d" $w $length) (list $firstDay $previous $inner) }}
{{- end }}{{- end }}
{{- $day := 0 }}{{- $first := -1 }}{{- $previous := -1 }}
{{- $firstYear := int $cy.firstYear }}
{{- range $y := untilStep $firstYear (add $firstYear (int $cy.years) | int) 1 }}
{{- range $mi := until 12 }}
{{- $length := index $c.monthDays $mi | int }}
{{- if and (eq $mi 1) (ne (mod $y 4 | int) 0) }}{{- $length = 28 }}{{- end }}
{{- if hasKey $month.values (toString (add $mi 1)) }}
{{- $runs := get $months (printf "%d-%d" (mod (add (int $cy.firstWeekday) $day) 7) $length) }}
{{- if ge (index $runs 0 | int) 0 }}
{{- if lt $first 0 }}{{- $first = add $day (index $runs 0) }}{{- else }}{{- $gap = max $gap (sub (add $day (index $runs 0)) $previous) }}{{- end }}
{{- $gap = max $gap (index $runs 2) }}
{{- $previous = add $day (index $runs 1) }}
{{- end }}
{{- end }}
{{- $day = add $day $length }}
{{- end }}
{{- end }}
{{- $gap = max $gap (sub (add $first $day) $previous) }}
{{- end }}
{{- max $timeGap (sub (add (mul $gap 1440) $firstTime) $lastTime) -}}
{{- end }}

{{/* The longest time between two runs of a schedule in minutes, empty when no close bound exists (max-age.ts scheduleIntervalMinutes): dict "c" CONSTANTS "schedule" S "zone" TIME-ZONE */}}
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
{{- else if not (include "infrahub-backup.scheduleProblem" (dict "s" $trimmed "c" $c "p" (include "infrahub-backup.problems" . | fromJson))) }}
{{- $sets := include "infrahub-backup.scheduleFieldSets" (dict "c" $c "schedule" $trimmed) | fromJsonArray }}
{{- $wall := include "infrahub-backup.wallGapMinutes" (dict "c" $c "sets" $sets) | atoi }}
{{- $shift := include "infrahub-backup.zoneShift" (dict "sets" $sets "zone" .zone) | fromJson }}
{{- if not $shift }}{{- $wall }}
{{- else if not $shift.skips }}{{- add $wall ($shift.range | int) }}
{{- else if le $wall 1440 }}{{- add (mul 2 $wall) (mul 2 ($shift.range | int)) }}
{{- end }}
{{- end }}
{{- end }}

{{/* How a zone's clock shifts bear on a schedule, as JSON: {} when they do not, else {"range": MINUTES, "skips": WHETHER-A-RUN-FALLS-IN-A-SKIP-WINDOW} (max-age.ts scheduleIntervalMinutes): dict "sets" SETS "zone" ZONE */}}
{{- define "infrahub-backup.zoneShift" -}}
{{- $shifts := dict }}
{{- if .zone }}{{- $shifts = include "infrahub-backup.timeZoneShifts" . | fromJson }}{{- end }}
{{- if hasKey $shifts .zone }}
{{- $z := get $shifts .zone }}
{{- $minute := index .sets 0 }}{{- $hour := index .sets 1 }}
{{- $skips := false }}
{{- /* A run at minute T of the day falls in a window [start, start + length) when (T - start) mod 1440 < length: one test per run time, not per minute of a window (a whole day for some zones) */}}
{{- range $w := $z.windows }}
{{- range $h, $_ := $hour.values }}{{- range $m, $_ := $minute.values }}
{{- if lt (mod (sub (add (mul (atoi $h) 60) (atoi $m) 1440) (index $w 0 | int)) 1440) (index $w 1 | int) }}{{- $skips = true }}{{- end }}
{{- end }}{{- end }}
{{- end }}
{{- dict "range" $z.range "skips" $skips | toJson }}
{{- else }}{}{{- end -}}
{{- end }}

{{/* Whether no close bound of the gap exists (max-age.ts scheduleIntervalMinutes undefined), cheap unless the zone's shifts can skip a run: dict "c" CONSTANTS "schedule" VALID-SCHEDULE "zone" ZONE; "true" or empty */}}
{{- define "infrahub-backup.maxAgeUnderivable" -}}
{{- if and .zone (not (hasPrefix "@every " .schedule)) }}
{{- $sets := include "infrahub-backup.scheduleFieldSets" (dict "c" .c "schedule" .schedule) | fromJsonArray }}
{{- $shift := include "infrahub-backup.zoneShift" (dict "sets" $sets "zone" .zone) | fromJson }}
{{- if and $shift $shift.skips }}
{{- if gt (include "infrahub-backup.wallGapMinutes" (dict "c" .c "sets" $sets) | atoi) 1440 }}true{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* monitoring.backupMaxAge, or the backup schedule's longest gap plus the margin; empty when neither (max-age.ts backupMaxAge): DEPLOYMENT. Derived once and kept in the deployment (key backupMaxAgeMemo): an object reads it in several fields */}}
{{- define "infrahub-backup.backupMaxAge" -}}
{{- if not (hasKey . "backupMaxAgeMemo") }}{{- $age := .v.monitoring.backupMaxAge | default "" }}
{{- if not $age }}{{- $interval := include "infrahub-backup.scheduleIntervalMinutes" (dict "c" .c "schedule" .v.backup.schedule "zone" .v.cronJob.timeZone) }}
{{- if $interval }}
{{- $total := add (atoi $interval) (.c.maxAgeMarginMinutes | int) }}
{{- $h := div $total 60 }}{{- $m := mod $total 60 }}
{{- $age = ternary (printf "%dm" $m) (ternary (printf "%dh" $h) (printf "%dh%dm" $h $m) (eq (int $m) 0)) (eq (int $h) 0) }}
{{- end }}{{- end }}
{{- $_ := set . "backupMaxAgeMemo" $age }}{{- end }}
{{- get . "backupMaxAgeMemo" -}}
{{- end }}
