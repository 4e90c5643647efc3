/**
 * A check that a regular expression is one Prometheus accepts in a label
 * matcher (`=~`). Prometheus compiles matchers with Go's `regexp` (RE2), and
 * one matcher it refuses makes it refuse the whole rule group, every alert
 * with it. The check accepts a subset of RE2 that it can prove, and refuses
 * everything else: literal characters, `.`, classes `[...]`/`[^...]` (ranges
 * in order, no `[`, `]` or `\` inside), groups `(...)`/`(?:...)`, `|`, `^`,
 * `$`, and `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}` (optionally followed by `?`)
 * after a character, a class or a group, with RE2's limit on counted
 * repetitions (at most 1000, nested counts multiplied).
 *
 * The chart runs the same steps in `_checks.tpl` (`infrahub-backup.re2Subset`)
 * with the same two expressions, which it reads from its constants: a token
 * of the subset (RE2_TOKEN) and an item of a class (RE2_CLASS_ITEM). Both
 * are valid in JavaScript (with the `u` flag, so that they read code points as
 * Go reads runes) and in Go, and find the same tokens in both: each engine
 * takes the leftmost-first match.
 */

const CLASS_CHAR = '[^\\]\\[\\\\]';
const CLASS_FIRST_CHAR = '[^\\]\\[\\\\^]';
const COUNT = '(?:0|[1-9][0-9]{0,3})';

/** An item of a class: a range or one character. */
export const RE2_CLASS_ITEM = `${CLASS_CHAR}-${CLASS_CHAR}|${CLASS_CHAR}`;

/**
 * A token of the subset: a class (a `^` right after `[` negates it, as in
 * RE2; a class cannot start with `]`), an opening parenthesis, `)`, `|`, `.`,
 * `^`, `$`, a repetition, or a literal character.
 */
export const RE2_TOKEN = [
  `\\[\\^(?:${RE2_CLASS_ITEM})+\\]`,
  `\\[(?:${CLASS_FIRST_CHAR}-${CLASS_CHAR}|${CLASS_FIRST_CHAR})(?:${RE2_CLASS_ITEM})*\\]`,
  '\\((?:\\?:)?',
  '\\)',
  '\\|',
  '\\.',
  '\\^',
  '\\$',
  `(?:[*+?]|\\{${COUNT}(?:,${COUNT}?)?\\})\\??`,
  '[^\\\\.+*?()|\\[\\]{}^$]',
].join('|');

/** RE2's limit on a counted repetition, and on nested ones multiplied. */
export const RE2_MAX_REPEAT = 1000;

/** Whether `pattern` is in the subset of RE2 that this check proves Prometheus accepts. */
export function re2Subset(pattern: string): boolean {
  // Go reads UTF-8: a lone surrogate has no encoding.
  if (/[\uD800-\uDFFF]/u.test(pattern)) return false;
  const tokens = pattern.match(new RegExp(RE2_TOKEN, 'gu')) ?? [];
  if (tokens.join('') !== pattern) return false;
  // The largest product of counted repetitions inside each open group; the first is the whole pattern.
  const stack: number[] = [1];
  // That product for the last atom, 0 when nothing can be repeated there.
  let last = 0;
  for (const token of tokens) {
    if (token.startsWith('[')) {
      const body = token.slice(1, -1).replace(/^\^/, '');
      for (const item of body.match(new RegExp(RE2_CLASS_ITEM, 'gu')) ?? []) {
        const chars = Array.from(item);
        if (chars.length === 3 && chars[0].codePointAt(0)! > chars[2].codePointAt(0)!) return false;
      }
      last = 1;
    } else if (token.startsWith('(')) {
      stack.push(1);
      last = 0;
    } else if (token === ')') {
      if (stack.length === 1) return false;
      last = stack.pop()!;
      stack[stack.length - 1] = Math.max(stack[stack.length - 1], last);
    } else if (token === '|' || token === '^' || token === '$') {
      last = 0;
    } else if (/^[*+?{]/.test(token)) {
      if (!last) return false;
      let times = 1;
      if (token.startsWith('{')) {
        const counts = token.match(/[0-9]+/g)!.map(Number);
        const min = counts[0];
        const max = counts.length === 2 ? counts[1] : min;
        if (min > RE2_MAX_REPEAT || max > RE2_MAX_REPEAT || max < min) return false;
        times = Math.max(max, 1);
      }
      last *= times;
      if (last > RE2_MAX_REPEAT) return false;
      stack[stack.length - 1] = Math.max(stack[stack.length - 1], last);
      last = 0;
    } else {
      last = 1;
    }
  }
  return stack.length === 1;
}
