/**
 * Snapshots of the shipped example values (examples/values/*.yaml), so a
 * change to what they render is seen in review. The field-level tests are the
 * specification; these are a supplement.
 */
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { synthValues } from '../../src/synth';
import type { InfrahubBackupValues } from '../../src';
import { PACKAGE_VERSION } from '../../src/version';
import { validateObject } from '../support/kube-schema';
import { restrictedViolations } from '../support/pod-security';
import { podTemplateOf, synthObjects, workloadOf } from '../support/synth';

const DIR = join(__dirname, '..', '..', 'examples', 'values');
const EXAMPLES = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

function load(file: string): InfrahubBackupValues {
  return parse(readFileSync(join(DIR, file), 'utf8')) as InfrahubBackupValues;
}

describe('example values', () => {
  test('there are examples to check', () => {
    expect(EXAMPLES.length).toBeGreaterThan(0);
  });

  test.each(EXAMPLES)('%s renders as in the snapshot', (file) => {
    // The package version is a label on every object; keep it out of the snapshot.
    const yaml = synthValues(load(file), { releaseName: 'infrahub-backup', namespace: 'infrahub' }).split(`: ${PACKAGE_VERSION}\n`).join(': <package-version>\n');
    expect(yaml).toMatchSnapshot();
  });

  test.each(EXAMPLES)('%s gives valid objects and a restricted pod', (file) => {
    const objects = synthObjects(load(file));
    expect(objects.length).toBeGreaterThan(0);
    for (const o of objects) validateObject(o);
    expect(restrictedViolations(podTemplateOf(workloadOf(objects)).spec)).toEqual([]);
  });
});
