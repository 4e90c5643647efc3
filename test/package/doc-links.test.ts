/**
 * Every relative link of README.md and of the pages under docs/ leads somewhere:
 * the file or folder exists, and a `#anchor` names a heading of the page it
 * points at (GitHub's anchors: lower case, punctuation dropped, spaces as "-",
 * "-1", "-2" for repeated headings). Headings and links inside code blocks and
 * code spans do not count.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { dirname, join, relative, resolve } from 'path';
import { ROOT } from '../support/helm';

/** The text of a page without its fenced code blocks and code spans (their lines kept, blank). */
function prose(markdown: string): string {
  return markdown
    .replace(/^( {0,3})(```|~~~)[^\n]*\n[\s\S]*?^ {0,3}\2[^\n]*$/gm, (block) => block.replace(/[^\n]/g, ''))
    .replace(/(`+)(?!`)[\s\S]*?[^`]\1(?!`)/g, (span) => span.replace(/[^\n]/g, ' '));
}

/** GitHub's anchors of a page's headings. */
export function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  const text = markdown.replace(/^( {0,3})(```|~~~)[^\n]*\n[\s\S]*?^ {0,3}\2[^\n]*$/gm, '');
  for (const m of text.matchAll(/^#{1,6} +(.+?)\s*#*\s*$/gm)) {
    const words = m[1]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/[`*_]{1,2}([^`*_]+)[`*_]{1,2}/g, '$1')
      .replace(/`/g, '');
    const base = words
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** The relative links of a page (inline `[text](target)` and images), outside code. */
export function linksOf(markdown: string): string[] {
  return [...prose(markdown).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]).filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

/** What the check reads: the disk, or a few pages of a test. */
interface Pages {
  /** A page's text, undefined when the path is no file. */
  read(path: string): string | undefined;
  isDirectory(path: string): boolean;
}

/** One line per link of `file` that leads nowhere. */
export function brokenLinks(file: string, pages: Pages): string[] {
  const text = pages.read(file)!;
  const problems: string[] = [];
  for (const link of linksOf(text)) {
    const [path, anchor] = link.split('#', 2) as [string, string | undefined];
    const target = path === '' ? file : resolve(dirname(file), decodeURI(path));
    const name = relative(ROOT, file);
    if (pages.read(target) === undefined && !pages.isDirectory(target)) {
      problems.push(`${name}: ${link}: no file ${relative(ROOT, target)}`);
      continue;
    }
    if (anchor === undefined) continue;
    if (!target.endsWith('.md') || pages.isDirectory(target)) {
      problems.push(`${name}: ${link}: an anchor into a file that is not a Markdown page`);
      continue;
    }
    if (!anchorsOf(pages.read(target)!).has(anchor)) problems.push(`${name}: ${link}: ${relative(ROOT, target)} has no heading with anchor #${anchor}`);
  }
  return problems;
}

function markdownUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? markdownUnder(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
  );
}

const PAGES = [join(ROOT, 'README.md'), ...markdownUnder(join(ROOT, 'docs')).sort()];
const DISK: Pages = {
  read: (path) => (existsSync(path) && statSync(path).isFile() ? readFileSync(path, 'utf8') : undefined),
  isDirectory: (path) => existsSync(path) && statSync(path).isDirectory(),
};
const read = (path: string): string => DISK.read(path)!;

describe('the link check itself', () => {
  test('finds a missing file and a missing anchor; ignores code, absolute URLs and headings in code blocks', () => {
    const files: Record<string, string> = {
      [join(ROOT, 'docs', 'a.md')]: [
        '# A page',
        '',
        '## Two `words` here',
        '## Two words here',
        '',
        '```yaml',
        '# Not a heading',
        '[in a block](missing-in-block.md)',
        '```',
        '',
        'See [b](b.md), [self](#two-words-here), [again](#two-words-here-1), [web](https://example.com/x.md#nowhere),',
        '`[in a span](missing-in-span.md)`, [bad anchor](#not-a-heading), [no file](gone.md), [block heading](#not-a-heading-1).',
      ].join('\n'),
      [join(ROOT, 'docs', 'b.md')]: '# B\n',
    };
    const fake: Pages = { read: (p) => files[p], isDirectory: (p) => p === join(ROOT, 'docs') };
    expect(anchorsOf(files[join(ROOT, 'docs', 'a.md')])).toEqual(new Set(['a-page', 'two-words-here', 'two-words-here-1']));
    const problems = brokenLinks(join(ROOT, 'docs', 'a.md'), fake).map((l) => l.replace(/^docs\/a\.md: /, ''));
    expect(problems).toEqual([
      '#not-a-heading: docs/a.md has no heading with anchor #not-a-heading',
      'gone.md: no file docs/gone.md',
      '#not-a-heading-1: docs/a.md has no heading with anchor #not-a-heading-1',
    ]);
  });

  test('anchors of headings with punctuation, code and apostrophes are GitHub\'s', () => {
    expect([...anchorsOf("## Compatibility with OpsMill's chart 1.3.0\n## Replacing the upstream `infrahub-backup` subchart\n## Mirror registries (air-gapped clusters)\n")]).toEqual([
      'compatibility-with-opsmills-chart-130',
      'replacing-the-upstream-infrahub-backup-subchart',
      'mirror-registries-air-gapped-clusters',
    ]);
  });
});

describe('README.md and docs/', () => {
  test('the pages exist', () => {
    console.log(`link check: ${PAGES.length} pages, ${PAGES.reduce((n, p) => n + linksOf(read(p)).length, 0)} relative links`);
    expect(PAGES.length).toBeGreaterThan(10);
  });

  test.each(PAGES.map((p) => [relative(ROOT, p), p]))('every relative link of %s resolves', (_name, page) => {
    expect(brokenLinks(page, DISK)).toEqual([]);
  });

  test('the README stays short', () => {
    expect(read(join(ROOT, 'README.md')).split('\n').length).toBeLessThanOrEqual(300);
  });
});
