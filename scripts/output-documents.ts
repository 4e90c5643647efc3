/**
 * What the output checks between two trees share (scripts/check-output.ts for
 * the CLI, scripts/check-chart-output.ts for the chart): the values documents
 * they render, and another git revision's sources extracted beside this tree.
 */
import { execFileSync } from 'child_process';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'fs';
import { join } from 'path';
import * as fc from 'fast-check';
import { stringify } from 'yaml';
import { ALL_OPTIONAL_BACKUP, ALL_OPTIONAL_RESTORE, MODES, S3_BACKUP, S3_RESTORE } from '../test/support/synth';
import { valuesCase } from '../test/support/values-arbitrary';

export const ROOT = join(__dirname, '..');

/** A values file to render: its name in reports, its path and, for drawn documents, their release name. */
export interface ValuesDocument {
  readonly name: string;
  readonly file: string;
  readonly release?: string;
}

/** examples/values/*.yaml and examples/argocd/values-app/*.yaml, each folder in name order; named by their file name. */
export function exampleDocuments(): ValuesDocument[] {
  return [join(ROOT, 'examples', 'values'), join(ROOT, 'examples', 'argocd', 'values-app')].flatMap((dir) =>
    readdirSync(dir)
      .filter((n) => n.endsWith('.yaml'))
      .sort()
      .map((f) => ({ name: f, file: join(dir, f) })),
  );
}

/** The values documents of test/support/synth.ts (modes, every optional block), written into `work`. */
export function namedDocuments(work: string): ValuesDocument[] {
  const named: Record<string, unknown> = {
    ...Object.fromEntries(Object.entries(MODES).map(([k, v]) => [`mode ${k}`, v])),
    S3_BACKUP,
    S3_RESTORE,
    ALL_OPTIONAL_BACKUP,
    ALL_OPTIONAL_RESTORE,
  };
  return Object.entries(named).map(([name, doc], i) => {
    const file = join(work, `doc-${i}.yaml`);
    writeFileSync(file, stringify(doc));
    return { name, file };
  });
}

/** `count` documents drawn from test/support/values-arbitrary.ts with `seed`, written into `work`, with their release names. */
export function sampledDocuments(work: string, count: number, seed: number): Array<ValuesDocument & { readonly release: string }> {
  return fc.sample(valuesCase, { numRuns: count, seed }).map((c, n) => {
    const file = join(work, `sample-${n}.yaml`);
    writeFileSync(file, stringify(c.values, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' }));
    return { name: `sample ${n} (seed ${seed})`, file, release: c.release };
  });
}

/** The sources of `revision` in `<work>/base`, with this checkout's node_modules linked in; returns that folder. */
export function extractRevision(revision: string, work: string): string {
  const tree = join(work, 'base');
  mkdirSync(tree);
  execFileSync('sh', ['-c', `git -C "${ROOT}" archive "${revision}" | tar -x -C "${tree}"`], { stdio: 'inherit' });
  symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'));
  return tree;
}
