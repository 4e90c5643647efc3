/**
 * Synthesis is a pure function of the values: the same values give the same
 * bytes, whatever the order of their keys and however often they are rendered.
 */
import { synthValues } from '../../src/synth';
import { ALL_OPTIONAL_BACKUP, ALL_OPTIONAL_RESTORE, MODES, TestValues } from '../support/synth';

const synth = (values: TestValues, releaseName = 'infrahub-backup', namespace = 'infrahub'): string =>
  synthValues(values, { releaseName, namespace });

/** The same document with every map's keys in reverse order. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversedKeys(v)]));
  }
  return value;
}

const CASES: Array<[string, TestValues]> = [
  ...Object.entries(MODES),
  ['all optional blocks: backup', ALL_OPTIONAL_BACKUP],
  ['all optional blocks: restore', ALL_OPTIONAL_RESTORE],
];

describe('determinism', () => {
  test.each(CASES)('%s: two syntheses are byte-identical', (_name, values) => {
    const first = synth(values);
    expect(first.length).toBeGreaterThan(0);
    expect(synth(structuredClone(values))).toBe(first);
    expect(synth(values)).toBe(first);
  });

  test.each(CASES)('%s: the order of the keys in the values does not matter', (_name, values) => {
    expect(synth(reversedKeys(values) as TestValues)).toBe(synth(values));
  });

  test('synthesis does not modify the values it is given', () => {
    const values = structuredClone(ALL_OPTIONAL_BACKUP);
    synth(values);
    expect(values).toEqual(ALL_OPTIONAL_BACKUP);
  });

  test('the release and namespace are the only context: a new release changes the names, not the rest', () => {
    const a = synth(MODES['scheduled backup to S3'], 'alpha');
    const b = synth(MODES['scheduled backup to S3'], 'bravo');
    expect(b).toBe(a.replace(/alpha/g, 'bravo'));
  });

  test('the defaults render nothing', () => {
    expect(synth({})).toBe('');
  });

  test('synthValues defaults to the release infrahub-backup in namespace default', () => {
    const yaml = synthValues(MODES['restore by key']);
    expect(yaml).toContain('namespace: default');
    expect(yaml).toMatch(/name: infrahub-backup-restore-[0-9a-f]{8}\n/);
  });
});
