/**
 * Any valid values document drawn from the model gives manifests that validate
 * against the Kubernetes schema and pods that pass the restricted Pod Security
 * Standard (the model's security overrides merge over the hardened defaults).
 */
import * as fc from 'fast-check';
import { ValuesError } from '../../src/model/errors';
import { validateObject } from '../support/kube-schema';
import { restrictedViolations } from '../support/pod-security';
import { podSpecOf, synthObjects } from '../support/synth';
import { plainValuesCase } from '../support/values-arbitrary';

const RUNS = 200;

test(`${RUNS} random valid documents: schema-valid objects, restricted pods`, () => {
  let checked = 0;
  for (const c of fc.sample(plainValuesCase, { numRuns: RUNS * 4, seed: 424242 })) {
    let objects;
    try {
      objects = synthObjects(c.values, c.release);
    } catch (e) {
      if (e instanceof ValuesError) continue;
      throw e;
    }
    for (const o of objects) {
      validateObject(o);
      if (o.kind === 'Job' || o.kind === 'CronJob') {
        const pod = podSpecOf(o);
        expect({ release: c.release, values: c.values, violations: restrictedViolations(pod) }).toEqual({ release: c.release, values: c.values, violations: [] });
      }
    }
    if (++checked >= RUNS) break;
  }
  expect(checked).toBe(RUNS);
});
