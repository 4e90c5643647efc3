/**
 * Writes what is derived from src/model/spec.ts: the Kubernetes types of the
 * pass-through values (src/imports/k8s.ts, see scripts/import-k8s.ts), the
 * TypeScript interfaces and the README's values table. `--check` fails when a committed output is stale.
 */
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { renderInterfaces, renderValuesTable } from '../src/model/codegen';
import { renderK8sImports } from './import-k8s';

const root = join(__dirname, '..');
const check = process.argv.includes('--check');
const START = '<!-- values-table:start -->';
const END = '<!-- values-table:end -->';

function withTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${START} / ${END} markers`);
  return `${readme.slice(0, start + START.length)}\n${renderValuesTable()}\n${readme.slice(end)}`;
}

const outputs: Array<[string, (current: string) => string]> = [
  ['src/imports/k8s.ts', () => renderK8sImports()],
  ['src/model/values.generated.ts', () => renderInterfaces()],
  ['README.md', withTable],
];

let stale = 0;
for (const [file, render] of outputs) {
  const path = join(root, file);
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const next = render(current);
  if (next === current) continue;
  if (check) {
    process.stderr.write(`${file} is out of date: run npm run generate\n`);
    stale++;
  } else {
    writeFileSync(path, next);
    process.stdout.write(`wrote ${file}\n`);
  }
}
process.exitCode = stale > 0 ? 1 : 0;
