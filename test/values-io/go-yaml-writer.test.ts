/**
 * Every string written into manifests or printed by `values -o yaml` is read
 * back as the same string by Helm's YAML reader (go-yaml, also Kubernetes'),
 * for strings drawn from the whole scalar grammar. The same property against
 * the Helm binaries is in yaml-helm.test.ts.
 */
import * as fc from 'fast-check';
import { parseValuesText } from '../../src/values-io/values-input';
import { goYamlValues } from '../../src/values-io/values-output';
import { goResolve, stringifyManifests } from '../../src/model/go-yaml';

const numberLike = fc
  .array(fc.constantFrom('0', '1', '7', '9', '+', '-', '.', 'e', 'E', '_', 'x', 'o', 'b', 'O', 'X', 'B', ':', 'a', 'f'), { minLength: 1, maxLength: 8 })
  .map((cs) => cs.join(''));
const keyword = fc.constantFrom('y', 'Y', 'n', 'N', 'yes', 'No', 'ON', 'off', 'true', 'False', 'null', 'Null', '~', '', '.inf', '-.Inf', '.nan', '<<', '=');
const date = fc.tuple(fc.integer({ min: 1000, max: 9999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 })).map(([y, m, d]) => `${y}-${m}-${d}`);
const any = fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => !/[\ud800-\udfff]/.test(s));
const text = fc.oneof(numberLike, keyword, date, any, fc.string({ maxLength: 12 }));

test('strings of every scalar shape stay strings through both writers', () => {
  const counts: Record<string, number> = {};
  fc.assert(
    fc.property(fc.array(text, { minLength: 1, maxLength: 20 }), (strings) => {
      const values: Record<string, string> = {};
      strings.forEach((s, i) => {
        values[`k${i}`] = s;
        const kind = goResolve(s).kind;
        counts[kind] = (counts[kind] ?? 0) + 1;
      });
      for (const written of [stringifyManifests([values]), goYamlValues(values)]) {
        expect(parseValuesText(written, 'written.yaml')).toEqual(values);
      }
    }),
    { numRuns: 300, seed: 3030 },
  );
  console.log(`strings drawn, by what an unquoted go-yaml scalar would be: ${JSON.stringify(counts)}`);
  for (const kind of ['str', 'int', 'float', 'bool', 'null']) expect(counts[kind]).toBeGreaterThan(0);
});

test('the cases of the issue are quoted', () => {
  const written = stringifyManifests([{ a: '0o17', b: '1e3', c: '0x1F', d: 'yes', e: '~', f: '09', g: '1_0', h: '0b1' }]);
  expect(written).toBe('a: "0o17"\nb: "1e3"\nc: "0x1F"\nd: "yes"\ne: "~"\nf: "09"\ng: "1_0"\nh: "0b1"\n');
});
