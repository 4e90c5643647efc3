/**
 * No import circle between the files of src/: every edge counts, `import type`,
 * `export ... from`, `require(...)`, `import(...)` and `typeof import(...)`
 * included, since a circle held together by a type still ties the files'
 * meaning together. Reads the sources with the TypeScript parser (no type
 * check); fails listing each circle, file by file.
 */
import { readdirSync, readFileSync } from 'fs';
import { dirname, join, relative, sep } from 'path';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..', '..');

/** The relative module specifiers a source text names, in every form that makes an edge. */
function specifiers(fileName: string, text: string): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      found.push(node.moduleReference.expression.text);
    } else if (
      ts.isCallExpression(node) &&
      node.arguments.length >= 1 &&
      ts.isStringLiteralLike(node.arguments[0]) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    ) {
      found.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true));
  return found.filter((s) => s.startsWith('.'));
}

/** The import graph of a set of files (path -> text), edges to files of the set only. */
function importGraph(files: ReadonlyMap<string, string>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const [file, text] of files) {
    const targets = new Set<string>();
    for (const spec of specifiers(file, text)) {
      const base = join(dirname(file), spec);
      const target = [`${base}.ts`, join(base, 'index.ts'), base].find((candidate) => files.has(candidate));
      if (target !== undefined) targets.add(target);
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

/** Every circle: the strongly connected components of more than one file, or of a file importing itself (Tarjan). */
function circles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v);
  return found;
}

/** A circle as lines: each file with the files of the same circle it imports. */
function circleLines(graph: ReadonlyMap<string, readonly string[]>, circle: readonly string[]): string {
  const members = new Set(circle);
  const name = (f: string): string => relative(ROOT, f).split(sep).join('/');
  return circle.map((f) => `  ${name(f)} -> ${(graph.get(f) ?? []).filter((t) => members.has(t)).map(name).join(', ')}`).join('\n');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('the circle finder', () => {
  const at = (name: string): string => join(ROOT, 'fixture', name);
  test('finds circles made of type imports, re-exports, require and typeof import', () => {
    const graph = importGraph(
      new Map([
        [at('a.ts'), "import type { B } from './b';\nexport const a = 1;"],
        [at('b.ts'), "export type B = typeof import('./c');"],
        [at('c.ts'), "export { a } from './a';"],
        [at('d.ts'), "const e = require('./sub') as typeof import('./sub');"],
        [at('sub/index.ts'), "import { d } from '../d';"],
        [at('self.ts'), "import './self';"],
        [at('leaf.ts'), "import { a } from './a';\nimport { readFileSync } from 'fs';"],
      ]),
    );
    expect(circles(graph).map((c) => c.map((f) => relative(join(ROOT, 'fixture'), f).split(sep).join('/')))).toEqual([
      ['a.ts', 'b.ts', 'c.ts'],
      ['d.ts', 'sub/index.ts'],
      ['self.ts'],
    ]);
  });

  test('finds none in a tree', () => {
    const graph = importGraph(
      new Map([
        [at('a.ts'), "import type { B } from './b';\nimport { c } from './c';"],
        [at('b.ts'), "import { c } from './c';"],
        [at('c.ts'), 'export const c = 1;'],
      ]),
    );
    expect(circles(graph)).toEqual([]);
  });
});

test('no import circle between the files of src/', () => {
  const files = new Map(sourceFiles(join(ROOT, 'src')).map((f) => [f, readFileSync(f, 'utf8')]));
  const graph = importGraph(files);
  expect(graph.size).toBeGreaterThan(50);
  const found = circles(graph);
  const report = found.map((c, i) => `circle ${i + 1} (${c.length} files):\n${circleLines(graph, c)}`).join('\n');
  expect(report).toBe('');
});
