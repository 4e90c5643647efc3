/**
 * The hand-written templates of the chart hold algorithms only: no string
 * literal of the constructs or of the object shapes (src/constructs,
 * src/shapes) appears in them; object shapes come from the generated
 * `_shapes.tpl` and object files.
 */
import { execFileSync } from 'child_process';
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..', '..');

/** The chart's template files under version control: the hand-written ones. */
function handWritten(): string[] {
  return execFileSync('git', ['ls-files', 'chart/templates'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
}

/** The string literals of a TypeScript file, but module specifiers. */
function literals(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return;
    const isLiteral = ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node);
    // `typeof x === 'string'` is TypeScript, not data a template could repeat.
    const typeofOperand = isLiteral && ts.isBinaryExpression(node.parent) && [node.parent.left, node.parent.right].some(ts.isTypeOfExpression);
    const propertyName = isLiteral && ts.isPropertyAssignment(node.parent) && node.parent.name === node;
    if (isLiteral && !typeofOperand && !propertyName) out.push(node.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** The Go string literals of a template. */
function goStrings(text: string): string[] {
  return [...text.matchAll(/"((?:[^"\\\n]|\\.)*)"/g)].map((m) => {
    try {
      return JSON.parse(`"${m[1]}"`) as string;
    } catch {
      return m[1];
    }
  });
}

describe('hand-written templates', () => {
  const files = handWritten();

  test('repeat no string literal of src/constructs or src/shapes', () => {
    const sources = ['src/constructs'].flatMap((dir) =>
      readdirSync(join(ROOT, dir))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(ROOT, dir, f)),
    );
    const known = new Set(sources.flatMap(literals).filter((l) => l.length > 1));
    const repeated: string[] = [];
    for (const f of files) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      for (const s of new Set(goStrings(text))) if (known.has(s)) repeated.push(`${f}: ${JSON.stringify(s)}`);
    }
    expect(repeated).toEqual([]);
  });

  test('count their lines', () => {
    const lines = files.reduce((n, f) => n + readFileSync(join(ROOT, f), 'utf8').split('\n').length - 1, 0);
    console.log(`hand-written template lines: ${lines} in ${files.length} files (${files.join(', ')})`);
    // A ratchet: the count only goes down (1,277 before the shapes, 686 with them, 495 with the checks,
    // warnings, names and NOTES generated, 444 with the restore request and the image registry as shapes).
    expect(lines).toBeLessThanOrEqual(444);
    expect(files).not.toContain('chart/templates/NOTES.txt');
    expect(files.some((f) => /\/(job|cronjob|pvc|networkpolicy|prometheusrule|configmap|role|rolebinding|serviceaccount)[-.]/.test(f))).toBe(false);
  });
});
