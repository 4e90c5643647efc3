/**
 * Renders the chart's `templates/_generated.tpl`: the parts of the chart that
 * are data of the model, written from it so that the chart and the constructs
 * cannot drift apart:
 *
 * - `infrahub-backup.resolved`: the canonical values, as `resolveValues` makes
 *   them (aliases folded into their canonical paths, absent keys filled with
 *   empty values), and the alias problems, as JSON;
 * - `infrahub-backup.problems`: the texts of the cross-field problems;
 * - `infrahub-backup.roleRules`: the Role's rules;
 * - `infrahub-backup.constants`: what the hand-written algorithms share with the model.
 *
 * The object shapes are written by shapes-emitter.ts (`_shapes.tpl` and the object files).
 */
import { backupRoleRules } from '../constructs/role';
import { CALENDAR_CYCLE, CRON_MACROS, MAX_AGE_MARGIN_MINUTES } from '../model/max-age';
import { TIME_ZONE_SHIFTS } from '../model/time-zones.generated';
import { PACKAGE_VERSION } from '../version';
import { ENCRYPT_ARG_PATTERN, ENCRYPT_ENV, ENV_REFERENCE_PATTERN, ENCRYPT_KEY_ENV, GO_FALSE, GO_TRUE, VALUE_FLAGS } from '../model/encryption';
import { PROBLEMS } from '../model/messages';
import { NAME_RULES } from '../model/objects';
import { IMAGE_REGISTRY_PATTERN } from '../model/image-registry';
import { RE2_CLASS_ITEM, RE2_MAX_REPEAT, RE2_TOKEN } from '../model/re2';
import { CHART_NAME } from '../model/names';
import { DURATION_PART, GO_PARSE_DURATION, MAX_DURATION_NS, MONTH_DAYS, NANOSECONDS, SCHEDULE_FIELDS, SCHEDULE_MACROS, SCHEDULE_SHAPE } from '../model/schedule';
import { VALUES_SPEC } from '../model/spec';
import { AliasField, Field, fieldAt, ObjectField, StringField, walkFields } from '../model/spec-types';

/** A Go template string literal. */
function lit(text: string): string {
  return JSON.stringify(text);
}

class Emitter {
  private readonly lines: string[] = [];
  private counter = 0;

  public line(text: string): void {
    this.lines.push(text);
  }

  public fresh(prefix: string): string {
    return `$${prefix}${++this.counter}`;
  }

  public text(): string {
    return this.lines.join('\n');
  }
}

function emitLeaf(e: Emitter, input: string, output: string, key: string, field: Field): void {
  const get = `(get ${input} ${lit(key)})`;
  switch (field.type) {
    case 'string':
      e.line(`{{- $_ := set ${output} ${lit(key)} (${get} | default "") }}`);
      return;
    case 'boolean':
      e.line(`{{- $_ := set ${output} ${lit(key)} (${get} | default false) }}`);
      return;
    case 'integer':
      e.line(
        `{{- if and (hasKey ${input} ${lit(key)}) (not (kindIs "invalid" ${get})) }}{{- $_ := set ${output} ${lit(key)} ${get} }}{{- else }}{{- $_ := set ${output} ${lit(key)} nil }}{{- end }}`,
      );
      return;
    case 'stringMap':
      e.line(`{{- $_ := set ${output} ${lit(key)} (${get} | default (dict)) }}`);
      return;
    case 'stringList':
      e.line(`{{- $_ := set ${output} ${lit(key)} (${get} | default (list)) }}`);
      return;
    case 'kubernetes':
      e.line(
        `{{- $_ := set ${output} ${lit(key)} (include "infrahub-backup.prune" (dict "v" (${get} | default (${field.list ? 'list' : 'dict'})) "empty" ${field.pruneEmpty ? 'true' : 'false'}) | fromJson).v }}`,
      );
      return;
    default:
      throw new Error(`not a leaf: ${field.type}`);
  }
}

function emitObject(e: Emitter, input: string, output: string, spec: ObjectField): void {
  for (const [key, field] of Object.entries(spec.fields)) {
    if (field.type === 'alias') continue;
    if (field.type === 'object') {
      const childIn = e.fresh('in');
      const childOut = e.fresh('out');
      e.line(`{{- ${childIn} := (get ${input} ${lit(key)}) | default (dict) }}`);
      e.line(`{{- ${childOut} := dict }}`);
      emitObject(e, childIn, childOut, field);
      e.line(`{{- $_ := set ${output} ${lit(key)} ${childOut} }}`);
    } else {
      emitLeaf(e, input, output, key, field);
    }
  }
}

function keysOf(path: string): string {
  return path.split('.').map(lit).join(' ');
}

/**
 * The alias rule of resolve.ts: an alias value that is empty or at the
 * setting's default is ignored; any other alias value fills a canonical value
 * left empty or at its default; a different value is a conflict.
 */
function emitAlias(e: Emitter, aliasPath: string, alias: AliasField): void {
  const pairs: Array<[string, string]> =
    alias.shape.type === 'object'
      ? Object.keys(alias.shape.fields).map((k) => [`${aliasPath}.${k}`, `${alias.of}.${k}`])
      : [[aliasPath, alias.of]];
  for (const [from, to] of pairs) {
    const canonicalKeys = to.split('.');
    const leaf = canonicalKeys.pop()!;
    const canonical = walkDefault(to);
    const a = e.fresh('alias');
    const parent = e.fresh('parent');
    const c = e.fresh('canonical');
    e.line(`{{- ${a} := dig ${keysOf(from)} "" $in0 }}`);
    e.line(`{{- if and ${a} (ne (toJson ${a}) ${lit(JSON.stringify(canonical))}) }}`);
    e.line(`{{- ${parent} := index $out0 ${canonicalKeys.map(lit).join(' ')} }}`);
    e.line(`{{- ${c} := get ${parent} ${lit(leaf)} }}`);
    e.line(`{{- if or (not ${c}) (eq ${c} ${lit(canonical)}) }}{{- $_ := set ${parent} ${lit(leaf)} ${a} }}`);
    e.line(
      `{{- else if ne ${c} ${a} }}{{- $problems = append $problems (printf "%s: %s" ${lit(from)} (printf ${lit(PROBLEMS.aliasConflict.text)} (printf "string %s" (toJson ${a})) ${lit(to)} (printf "string %s" (toJson ${c})) ${lit(to)})) }}`,
    );
    e.line('{{- end }}');
    e.line('{{- end }}');
  }
}

function walkDefault(path: string): string {
  let found: string | undefined;
  walkFields(VALUES_SPEC.fields, (p, f) => {
    if (p === path && f.type === 'string') found = f.default;
  });
  if (found === undefined) throw new Error(`alias target ${path} is not a string field`);
  return found;
}

function define(name: string, body: string): string {
  return `{{- define ${lit(name)} -}}\n${body}\n{{- end }}`;
}

/** Stands for the marker's name in the Role rules written into the chart. */
const MARKER_PLACEHOLDER = '@SCALE_GUARD_MARKER@';

/** The names of the objects (objects.ts NAME_RULES): dict "v" VALUES "fullname" F "name" N "serviceAccount" S "hashes" (dict "backup" H "restore" H). */
function renderNames(): string {
  const lines = ['{{- $f := .fullname }}', '{{- $names := dict "name" .name "fullname" $f "serviceAccount" .serviceAccount }}'];
  for (const [key, r] of Object.entries(NAME_RULES)) {
    let value: string;
    if (r.kind === 'fullname') value = '$f';
    else if (r.kind === 'trunc') value = `(include "infrahub-backup.truncName" (list $f ${r.max}))`;
    else if (r.kind === 'side') value = `(include "infrahub-backup.sideCronJobName" (list $f ${lit(r.role)}))`;
    else {
      value = `(include "infrahub-backup.suffixedName" (list $f ${lit(r.role)} ${r.hash ? `.hashes.${r.hash}` : '""'} ${r.max}))`;
      if (r.override) value = `(.v.${r.override} | default ${value})`;
    }
    lines.push(`{{- $_ := set $names ${lit(key)} ${value} }}`);
  }
  lines.push('{{- $names | toJson -}}');
  return lines.join('\n');
}

/** The text of `templates/_generated.tpl`. */
export function renderGeneratedHelpers(): string {
  const e = new Emitter();
  e.line('{{- $in0 := .Values | toJson | fromJson }}');
  e.line('{{- $out0 := dict }}');
  e.line('{{- $problems := list }}');
  emitObject(e, '$in0', '$out0', VALUES_SPEC);
  walkFields(VALUES_SPEC.fields, (path, field) => {
    if (field.type === 'alias') emitAlias(e, path, field);
  });
  // global.imageRegistry, as resolve.ts applyImageRegistry: every image from that registry.
  e.line('{{- $registry := get (get $in0 "global" | default (dict)) "imageRegistry" }}');
  e.line(`{{- if and (not (kindIs "invalid" $registry)) (ne (toJson $registry) "\\"\\"") }}`);
  e.line(`{{- if and (kindIs "string" $registry) (regexMatch ${lit(IMAGE_REGISTRY_PATTERN)} $registry) }}`);
  e.line('{{- $_ := set $out0.image "repository" (include "infrahub-backup.shape.withRegistry" (dict "a" (dict "repository" $out0.image.repository "registry" $registry)) | fromJson).r }}');
  e.line('{{- $_ := set $out0.companion.image "repository" (include "infrahub-backup.shape.withRegistry" (dict "a" (dict "repository" $out0.companion.image.repository "registry" $registry)) | fromJson).r }}');
  e.line(
    `{{- else }}{{- $problems = append $problems (printf "%s: %s" ${lit(PROBLEMS.invalidImageRegistry.path)} (printf ${lit(PROBLEMS.invalidImageRegistry.text)} (toJson $registry))) }}`,
  );
  e.line('{{- end }}');
  e.line('{{- end }}');
  e.line('{{- $_ := unset $out0 "global" }}');
  e.line('{{- $_ := unset $out0 "enabled" }}');
  e.line('{{- dict "values" $out0 "problems" $problems | toJson }}');

  const problems = Object.fromEntries(Object.entries(PROBLEMS).map(([id, p]) => [id, p.path ? `${p.path}: ${p.text}` : p.text]));
  const constants = {
    chartName: CHART_NAME,
    packageVersion: PACKAGE_VERSION,
    encryptArgPattern: ENCRYPT_ARG_PATTERN.source,
    goTrue: GO_TRUE,
    goFalse: GO_FALSE,
    encryptEnv: ENCRYPT_ENV,
    encryptKeyEnv: ENCRYPT_KEY_ENV,
    valueFlags: VALUE_FLAGS,
    envReferencePattern: ENV_REFERENCE_PATTERN.source,
    maxAgeMarginMinutes: MAX_AGE_MARGIN_MINUTES,
    cronMacros: CRON_MACROS,
    calendarCycle: CALENDAR_CYCLE,
    scheduleShape: SCHEDULE_SHAPE,
    scheduleFields: SCHEDULE_FIELDS,
    scheduleMacros: SCHEDULE_MACROS,
    goParseDuration: GO_PARSE_DURATION,
    durationPart: DURATION_PART,
    durationUnits: NANOSECONDS,
    maxDurationNs: MAX_DURATION_NS,
    monthDays: MONTH_DAYS,
    re2Token: RE2_TOKEN,
    re2ClassItem: RE2_CLASS_ITEM,
    re2MaxRepeat: RE2_MAX_REPEAT,
  };
  return [
    '{{/* Generated from the values model by `npm run chart`. Do not edit. */}}',
    '',
    '{{/* The canonical values (aliases folded, absent keys filled) and the alias problems, as JSON. */}}',
    define('infrahub-backup.resolved', e.text()),
    '',
    '{{/* Texts of the cross-field problems, by id ("%s" stands for the value). */}}',
    define('infrahub-backup.problems', JSON.stringify(problems)),
    '',
    '{{/* The Role rules: exactly what the infrahub-backup image calls; called with the scale guard marker\'s name, empty without the guard. */}}',
    define(
      'infrahub-backup.roleRules',
      `{{- if . }}{{- replace ${JSON.stringify(MARKER_PLACEHOLDER)} . ${JSON.stringify(JSON.stringify(backupRoleRules(MARKER_PLACEHOLDER)))} }}{{- else }}${JSON.stringify(backupRoleRules())}{{- end }}`,
    ),
    '',
    '{{/* The names of the objects (objects.ts NAME_RULES), as JSON: dict "v" VALUES "fullname" F "name" N "serviceAccount" S "hashes" (dict "backup" H "restore" H). */}}',
    define('infrahub-backup.names', renderNames()),
    '',
    '{{/* Constants shared with the constructs. */}}',
    define('infrahub-backup.constants', JSON.stringify(constants)),
    '',
    '{{/* The time zone names, as a JSON list: read only when cronJob.timeZone is set (the constants are parsed by every template). */}}',
    define('infrahub-backup.timeZones', JSON.stringify((fieldAt(VALUES_SPEC, 'cronJob.timeZone') as StringField).knownValues)),
    '',
    '{{/* The clock shifts of the zones that have them (zone-shifts.ts), as JSON: read only when cronJob.timeZone is set. */}}',
    define('infrahub-backup.timeZoneShifts', JSON.stringify(TIME_ZONE_SHIFTS)),
    '',
    '',
  ].join('\n');
}
