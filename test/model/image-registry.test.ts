/**
 * withRegistry (image-registry.ts, which evaluates the shape) and the chart's
 * `infrahub-backup.shape.withRegistry` define give the same repository for
 * every drawn repository and registry: one `helm template` of a throwaway chart
 * that holds the emitted define renders them all, with Helm 3 and Helm 4.
 */
import { execFileSync } from 'child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import fc from 'fast-check';
import { emitShapes } from '../../src/helm/shapes-emitter';
import { IMAGE_REGISTRY_PATTERN, withRegistry } from '../../src/model/image-registry';
import { withRegistry as WITH_REGISTRY } from '../../src/shapes/image-registry';
import { ensureHelm, HELMS } from '../support/helm';

const part = fc.constantFrom('opsmill', 'infrahub-backup', 'library', 'a', 'proxy', 'x.y', 'x_y', 'v2');
const host = fc.constantFrom('registry.opsmill.io', 'ghcr.io', 'docker.io', 'localhost', 'localhost:5000', 'mirror:5000', 'mirror.example.com', 'harbor.example.com:8443', '10.0.0.1:5000');
const repository = fc.oneof(
  fc.array(part, { minLength: 1, maxLength: 3 }).map((p) => p.join('/')),
  fc.tuple(host, fc.array(part, { minLength: 1, maxLength: 3 })).map(([h, p]) => [h, ...p].join('/')),
);
const registry = fc.oneof(host, fc.tuple(host, fc.array(part, { minLength: 1, maxLength: 2 })).map(([h, p]) => [h, ...p].join('/'))).filter((r) => new RegExp(IMAGE_REGISTRY_PATTERN).test(r));

test('the chart define and withRegistry agree on every drawn repository and registry', () => {
  ensureHelm();
  const drawn = fc.sample(
    fc.oneof(fc.tuple(repository, registry), registry.chain((r) => fc.tuple(repository.map((p) => `${r}/${p}`), fc.constant(r)))),
    { numRuns: 400, seed: 23 },
  );
  const dir = mkdtempSync(join(tmpdir(), 'ibc-with-registry-'));
  mkdirSync(join(dir, 'templates'));
  writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: probe\nversion: 0.0.1\n');
  writeFileSync(join(dir, 'templates', '_shapes.tpl'), emitShapes([WITH_REGISTRY]));
  writeFileSync(
    join(dir, 'templates', 'out.yaml'),
    '{{- $out := list }}{{- range .Values.cases }}{{- $out = append $out (include "infrahub-backup.shape.withRegistry" (dict "a" (dict "repository" (index . 0) "registry" (index . 1))) | fromJson).r }}{{- end }}\n' +
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\ndata:\n  out: {{ $out | toJson | quote }}\n',
  );
  writeFileSync(join(dir, 'values.json'), JSON.stringify({ cases: drawn }));
  const expected = drawn.map(([repo, reg]) => withRegistry(repo, reg));
  const unchanged = expected.filter((e, i) => e === drawn[i][0]).length;
  for (const helm of Object.values(HELMS)) {
    const rendered = execFileSync(helm, ['template', 'p', dir, '-f', join(dir, 'values.json')], { encoding: 'utf8' });
    const out = JSON.parse(JSON.parse(rendered.split('out: ')[1].trim())) as string[];
    expect(out).toEqual(expected);
  }
  console.log(`withRegistry: ${drawn.length} cases drawn, ${unchanged} already under their registry`);
  expect(unchanged).toBeGreaterThan(100);
  expect(drawn.length - unchanged).toBeGreaterThan(100);
});
