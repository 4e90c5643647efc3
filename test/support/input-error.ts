/**
 * The lines of the InputError a function throws: bad input must be refused
 * with one line per problem, never with another kind of error.
 */
import { InputError } from '../../src/input-error';

/** The InputError's lines; an error of another kind is rethrown, and no error fails the test. */
export function inputErrorLines(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e.lines;
    throw e;
  }
  throw new Error('expected an InputError');
}

/** The InputError's lines, or none when the function returns; an error of another kind is rethrown. */
export function inputErrorLinesOrNone(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e.lines;
    throw e;
  }
  return [];
}
