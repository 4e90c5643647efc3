{{/* The algorithms the generated checks read (schedule.ts, resolve.ts prune, re2.ts, encryption.ts); their tables: _generated.tpl. */}}

{{/* Why Kubernetes refuses a schedule, or why it never fires, else empty (schedule.ts scheduleProblemId): dict "s" SCHEDULE "c" CONSTANTS "p" TEXTS */}}
{{- define "infrahub-backup.scheduleProblem" -}}
{{- $s := .s }}{{- $c := .c }}{{- $p := .p }}
{{- $problem := "" }}
{{- if eq $s "" }}{{- $problem = $p.scheduleEmpty }}
{{- else if contains "TZ" $s }}{{- $problem = $p.scheduleTimeZone }}
{{- else if not (regexMatch $c.scheduleShape $s) }}{{- $problem = printf $p.scheduleShape $s }}
{{- else if hasPrefix "@every " $s }}
{{- $d := trimPrefix "@every " $s }}
{{- if not (regexMatch $c.goParseDuration $d) }}{{- $problem = printf $p.scheduleShape $s }}
{{- else }}
{{- $total := 0.0 }}
{{- range regexFindAll $c.durationPart $d -1 }}
{{- $number := regexFind "^[0-9.]+" . }}
{{- $total = addf $total (mulf (float64 $number) (index $c.durationUnits (trimPrefix $number .))) }}
{{- end }}
{{- if gt $total (float64 $c.maxDurationNs) }}{{- $problem = printf $p.scheduleShape $s }}{{- end }}
{{- end }}
{{- else if hasPrefix "@" $s }}
{{- if not (has $s $c.scheduleMacros) }}{{- $problem = printf $p.scheduleShape $s }}{{- end }}
{{- else }}
{{- $texts := regexSplit "[ \t]+" $s -1 }}
{{- $sets := list }}
{{- range $i, $f := $c.scheduleFields }}
{{- if not $problem }}
{{- $text := index $texts $i }}
{{- $parsed := include "infrahub-backup.scheduleField" (dict "text" $text "f" $f) | fromJson }}
{{- if $parsed.bad }}{{- $problem = printf $p.scheduleField $s $f.name $text $f.hint }}{{- else }}{{- $sets = append $sets $parsed }}{{- end }}
{{- end }}
{{- end }}
{{- if not $problem }}
{{- $dom := index $sets 2 }}{{- $month := index $sets 3 }}{{- $dow := index $sets 4 }}
{{- $anyDom := false }}
{{- range $day, $_ := $dom.values }}{{- range $m, $_ := $month.values }}
{{- if le (int $day) (index $c.monthDays (sub (int $m) 1) | int) }}{{- $anyDom = true }}{{- end }}
{{- end }}{{- end }}
{{- $fires := or $anyDom (gt (len $dow.values) 0) }}
{{- if or $dom.star $dow.star }}{{- $fires = and $anyDom (gt (len $dow.values) 0) }}{{- end }}
{{- if or (not (index $sets 0).values) (not (index $sets 1).values) (not $month.values) }}{{- $fires = false }}{{- end }}
{{- if not $fires }}{{- $problem = printf $p.scheduleNeverFires $s }}{{- end }}
{{- end }}
{{- end }}
{{- $problem -}}
{{- end }}

{{/* One field of a schedule (robfig/cron getField): {"values": {N: true}, "star": BOOL} or {"bad": true}. dict "text" TEXT "f" FIELD */}}
{{- define "infrahub-backup.scheduleField" -}}
{{- $f := .f }}{{- $min := int $f.min }}{{- $max := int $f.max }}
{{- $values := dict }}{{- $star := false }}{{- $bad := false }}
{{- range $item := splitList "," .text }}
{{- if and $item (not $bad) }}
{{- $rs := splitList "/" $item }}
{{- $lh := splitList "-" (index $rs 0) }}
{{- $start := -1 }}{{- $end := -1 }}{{- $itemStar := false }}
{{- if or (eq (index $lh 0) "*") (eq (index $lh 0) "?") }}
{{- $start = $min }}{{- $end = $max }}{{- $itemStar = true }}
{{- else if gt (len $lh) 2 }}{{- $bad = true }}
{{- else }}
{{- $start = include "infrahub-backup.cronNumber" (dict "t" (index $lh 0) "names" $f.names) | int }}
{{- $end = $start }}
{{- if eq (len $lh) 2 }}{{- $end = include "infrahub-backup.cronNumber" (dict "t" (index $lh 1) "names" $f.names) | int }}{{- end }}
{{- end }}
{{- $step := 1 }}
{{- if gt (len $rs) 2 }}{{- $bad = true }}
{{- else if eq (len $rs) 2 }}
{{- $step = include "infrahub-backup.cronNumber" (dict "t" (index $rs 1) "names" (dict)) | int }}
{{- if lt $step 0 }}{{- $bad = true }}{{- end }}
{{- if eq (len $lh) 1 }}{{- $end = $max }}{{- end }}
{{- if gt $step 1 }}{{- $itemStar = false }}{{- end }}
{{- end }}
{{- if or (lt $start $min) (gt $end $max) (gt $start $end) (eq $step 0) }}{{- $bad = true }}{{- end }}
{{- if not $bad }}
{{- range untilStep $start (add $end 1 | int) $step }}{{- $_ := set $values (toString .) true }}{{- end }}
{{- if $itemStar }}{{- $star = true }}{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- if $bad }}{{- dict "bad" true | toJson }}{{- else }}{{- dict "values" $values "star" $star | toJson }}{{- end -}}
{{- end }}

{{/* A number of a schedule field as strconv.Atoi reads it, or a name of the field; -1 when neither. dict "t" TEXT "names" NAMES */}}
{{- define "infrahub-backup.cronNumber" -}}
{{- $t := .t }}
{{- if and (regexMatch "^[A-Za-z]+$" $t) (hasKey .names (lower $t)) }}{{- index .names (lower $t) | int }}
{{- else if regexMatch "^[+]?[0-9]+$" $t }}
{{- $digits := regexReplaceAll "^[+]?0*" $t "" }}
{{- if or (gt (len $digits) 19) (and (eq (len $digits) 19) (gt $digits "9223372036854775807")) }}-1
{{- else if gt (len $digits) 4 }}10000
{{- else }}{{- $digits | default "0" | int }}{{- end }}
{{- else }}-1{{- end -}}
{{- end }}

{{/* A pass-through value without its nulls, and with "empty" the maps left empty (resolve.ts prune): dict "v" VALUE "empty" BOOL; {"v": PRUNED} */}}
{{- define "infrahub-backup.prune" -}}
{{- $empty := .empty }}
{{- if kindIs "map" .v }}
{{- $out := dict }}
{{- range $k, $x := .v }}
{{- if or (kindIs "map" $x) (kindIs "slice" $x) }}
{{- $inner := (include "infrahub-backup.prune" (dict "v" $x "empty" $empty) | fromJson).v }}
{{- if or (not $empty) (not (kindIs "map" $inner)) $inner }}{{- $_ := set $out $k $inner }}{{- end }}
{{- else if not (kindIs "invalid" $x) }}{{- $_ := set $out $k $x }}{{- end }}
{{- end }}
{{- dict "v" $out | toJson }}
{{- else if kindIs "slice" .v }}
{{- $out := list }}
{{- range .v }}
{{- if or (kindIs "map" .) (kindIs "slice" .) }}{{- $out = append $out (include "infrahub-backup.prune" (dict "v" . "empty" $empty) | fromJson).v }}
{{- else }}{{- $out = append $out . }}{{- end }}
{{- end }}
{{- dict "v" $out | toJson }}
{{- else }}{{- dict "v" .v | toJson }}{{- end -}}
{{- end }}

{{/* Whether a pattern is in the RE2 subset Prometheus accepts (re2.ts re2Subset): dict "re" TEXT "c" CONSTANTS; "true" or empty */}}
{{- define "infrahub-backup.re2Subset" -}}
{{- $c := .c }}{{- $limit := int $c.re2MaxRepeat }}
{{- $tokens := regexFindAll $c.re2Token .re -1 }}
{{- $ok := eq (join "" $tokens) .re }}
{{- /* the largest product of counted repetitions inside each open group; the first is the whole pattern */}}
{{- $stack := list 1 }}
{{- /* that product for the last atom, 0 when nothing can be repeated there */}}
{{- $last := 0 }}
{{- range $token := $tokens }}
{{- if $ok }}
{{- if hasPrefix "[" $token }}
{{- $body := trimSuffix "]" (trimPrefix "[" $token) }}
{{- if hasPrefix "^" $body }}{{- $body = trimPrefix "^" $body }}{{- end }}
{{- range $item := regexFindAll $c.re2ClassItem $body -1 }}
{{- if and (regexMatch "^(?s).-.$" $item) (gt (regexFind "^(?s)." $item) (regexFind "(?s).$" $item)) }}{{- $ok = false }}{{- end }}
{{- end }}
{{- $last = 1 }}
{{- else if hasPrefix "(" $token }}
{{- $stack = append $stack 1 }}{{- $last = 0 }}
{{- else if eq $token ")" }}
{{- if eq (len $stack) 1 }}{{- $ok = false }}
{{- else }}
{{- $last = last $stack | int }}{{- $stack = initial $stack }}
{{- $stack = append (initial $stack) (max (last $stack) $last) }}
{{- end }}
{{- else if has $token (list "|" "^" "$") }}
{{- $last = 0 }}
{{- else if regexMatch "^[*+?{]" $token }}
{{- if not $last }}{{- $ok = false }}
{{- else }}
{{- $times := 1 }}
{{- if hasPrefix "{" $token }}
{{- $counts := regexFindAll "[0-9]+" $token -1 }}
{{- $min := atoi (index $counts 0) }}{{- $max := $min }}
{{- if eq (len $counts) 2 }}{{- $max = atoi (index $counts 1) }}{{- end }}
{{- if or (gt $min $limit) (gt $max $limit) (lt $max $min) }}{{- $ok = false }}{{- end }}
{{- $times = max $max 1 | int }}
{{- end }}
{{- $last = mul $last $times | int }}
{{- if gt $last $limit }}{{- $ok = false }}{{- end }}
{{- $stack = append (initial $stack) (max (last $stack) $last) }}
{{- $last = 0 }}
{{- end }}
{{- else }}
{{- $last = 1 }}
{{- end }}
{{- end }}
{{- end }}
{{- if and $ok (eq (len $stack) 1) }}true{{- end -}}
{{- end }}

{{/* Whether the archives are encrypted (encryption.ts encryptsArchives): the check scope; "true" or empty */}}
{{- define "infrahub-backup.encryptsArchives" -}}
{{- $encrypted := ne .v.backup.encryption.secretName "" }}
{{- $c := .c }}{{- range .v.backup.options.extraArgs }}{{- if regexMatch $c.encryptArgPattern . }}{{- $encrypted = true }}{{- end }}{{- end }}
{{- if $encrypted }}true{{- end -}}
{{- end }}

{{/* encryption.ts keylessEncryption: --encrypt as pflag reads it (ParseBool, the last wins, nothing after "--", a value flag's value skipped), the key as a flag, else the environment (viper). dict "where" ("args" or "env") "v" VALUES "c" CONSTANTS: the spelling that turns encryption on there without a key, or empty */}}
{{- define "infrahub-backup.keylessEncryption" -}}
{{- $v := .v }}{{- $c := .c }}{{- $b := $v.backup }}
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
{{- if $flag }}{{- if and $on (eq .where "args") }}{{ $flag }}{{- end }}
{{- else if eq .where "env" }}{{ $envOn }}
{{- end }}
{{- end -}}
{{- end }}
