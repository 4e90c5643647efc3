/**
 * A number compared in a shape: the render scope and a shared shape's result
 * come through JSON (float64 in Go), a literal is an int64, and Go's `eq`
 * fails on the two while TypeScript's comparison does not see a difference.
 * The chart build refuses such a comparison; `intString` compares as strings
 * whatever the number's type.
 */
import { emitShapes } from '../../src/helm/shapes-emitter';
import { algorithm, arg, call, eq, has, intString, lit, shape, when } from '../../src/shapes/expr';

const callee = shape('numberCallee', 'Gives a number', [], { n: 8080, pad: 'x'.repeat(2100) });

test.each([
  ['eq with an integer literal', eq(arg('x.n'), 8080)],
  ['eq with a literal on the left', eq(8080, arg('x.n'))],
  ['has with an integer item', has(arg('list'), 8080)],
  ['has in a list of integer literals', has(lit([80, 443]), arg('x.n'))],
  ['eq with an integer algorithm', eq(algorithm('endpointPort', arg('url')), arg('x.n'))],
])('the chart build refuses %s', (_, condition) => {
  const caller = shape('numberCaller', 'Compares', ['x', 'list', 'url'], { same: when(condition, 'yes', 'no') });
  expect(() => emitShapes([caller])).toThrow(/integer literal or algorithm: Go compares an int64 with the float64/);
});

test('a comparison of intStrings, also of a shared shape\'s number, is written', () => {
  const reader = shape('numberReader', 'Reads the callee twice', [], {
    first: call(callee),
    same: when(eq(intString(lit(8080)), '8080'), 'yes', 'no'),
    second: call(callee),
  });
  expect(emitShapes([reader])).toContain('(include "infrahub-backup.shape.numberCallee"');
});
