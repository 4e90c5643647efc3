/**
 * The probe chart: a chart whose only template is `{{ toJson .Values }}`, so
 * that Helm prints the values it passes to templates, for comparison with
 * what this project reads from the same files and `--set`s. The JSON is
 * base64-encoded in the template: Helm re-reads rendered output as YAML,
 * which would refuse or fold characters such as DEL or NEL inside it.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ensureHelm, helm } from './helm';

let probeDir: string | undefined;

/** The probe chart's directory (created once per test file). */
export function probeChart(): string {
  if (!probeDir) {
    ensureHelm();
    probeDir = join(mkdtempSync(join(tmpdir(), 'ibc-probe-')), 'probe');
    mkdirSync(join(probeDir, 'templates'), { recursive: true });
    writeFileSync(join(probeDir, 'Chart.yaml'), 'apiVersion: v2\nname: probe\nversion: 0.1.0\n');
    writeFileSync(join(probeDir, 'templates', 'values.yaml'), 'json: {{ toJson .Values | b64enc }}\n');
  }
  return probeDir;
}

/** Helm's values as JSON text, or its error. */
export type ProbeResult = { readonly ok: true; readonly json: string } | { readonly ok: false; readonly error: string };

/** `helm template probe <args>`: the `toJson .Values` line, or the error. */
export async function probe(helmName: string, args: string[]): Promise<ProbeResult> {
  const result = await helm(helmName, ['template', probeChart(), ...args]);
  if (result.code !== 0) return { ok: false, error: result.stderr.trim() };
  const line = result.stdout.split('\n').find((l) => l.startsWith('json: '));
  return { ok: true, json: line ? Buffer.from(line.slice('json: '.length), 'base64').toString('utf8') : '' };
}

/** A temporary file with these bytes. */
export function tempFile(name: string, content: string | Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'ibc-values-'));
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}
