/**
 * A linear pass over YAML text, before the yaml library builds anything:
 * the library's parser costs about 15 µs and 1 KiB for each level of
 * nesting and each node, so a 5 MiB file of `[` took a minute and gigabytes
 * before the depth check of the converted tree could refuse it.
 *
 * The pass finds lower bounds: a nesting depth and a node count that the
 * document certainly reaches (flow collections, compact `- - -` sequences,
 * entries and pairs), skipping comments, quoted scalars, block scalars and
 * plain scalars. It never counts more than the document holds, so a valid
 * document within the limits always passes; one whose bound passes a limit
 * is refused without being parsed.
 */

/** What the pass found past a limit: the refusal's kind and the offset where it was seen. */
export interface PrescanExcess {
  readonly kind: 'depth' | 'nodes';
  readonly index: number;
}

const isBlank = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d;
const isBreak = (c: number) => c === 0x0a;
/** Space, tab, carriage return, line feed or the end of the text. */
const separates = (text: string, i: number) => i >= text.length || isBlank(text.charCodeAt(i)) || isBreak(text.charCodeAt(i));

/** True when a document marker (`---` or `...` and a space or line end) starts at `i`. */
const isDocumentMarker = (text: string, i: number) => (text.startsWith('---', i) || text.startsWith('...', i)) && separates(text, i + 3);

/**
 * Offset just past the quoted scalar starting at `i` (the quote itself), or
 * the start of a line holding a document marker (the parser ends the scalar
 * there), or the end of the text.
 */
function skipQuoted(text: string, i: number): number {
  const quote = text.charCodeAt(i);
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (isBreak(c) && isDocumentMarker(text, j + 1)) return j + 1;
    if (quote === 0x22 && c === 0x5c && !isBreak(text.charCodeAt(j + 1))) j++; // "\x": an escape (an escaped line end is seen as a line end)
    else if (c === quote) {
      if (quote === 0x27 && text.charCodeAt(j + 1) === 0x27) j++; // '': a quote inside '...'
      else return j + 1;
    }
  }
  return text.length;
}

/** Offset of the end of the line holding `i` (its line feed, or the end of the text). */
function endOfLine(text: string, i: number): number {
  const n = text.indexOf('\n', i);
  return n === -1 ? text.length : n;
}

/**
 * Scans `text` and returns where a lower bound first passes `maxDepth`
 * (a node nested deeper, the root being at depth 0) or `maxNodes`, or
 * undefined when neither does. The values of all documents count together
 * (a values file holds one), or each document's alone when `perDocument`
 * (a stream of objects).
 */
export function prescanYaml(text: string, maxDepth: number, maxNodes: number, perDocument: boolean = false): PrescanExcess | undefined {
  const n = text.length;
  let nodes = 0;
  let i = 0;
  // Block context state of the current line.
  let lineIndent: number;
  let chain: number; // `-`/`?` indicators opening the line (compact nesting)
  let owner: number; // column of the node a value on this line belongs to (key or indicator)
  let plainContinues = false; // the previous line ended inside a plain scalar value
  let plainOwner = -1;
  let atRoot = true; // no node of the document has started yet
  let openKeys = 0; // `?` keys of block maps whose `:` value has not come (each counted once, for its value)
  if (text.charCodeAt(0) === 0xfeff) i = 1; // a byte order mark, not the start of a plain scalar
  while (i < n) {
    // At the start of a line: indentation.
    const start = i;
    while (i < n && text.charCodeAt(i) === 0x20) i++;
    lineIndent = i - start;
    if (i >= n) break;
    let c = text.charCodeAt(i);
    if (isBreak(c)) {
      i++;
      continue;
    }
    if (c === 0x23 /* # */) {
      i = endOfLine(text, i) + 1;
      plainContinues = false;
      continue;
    }
    // A more indented line after a plain scalar value continues it.
    let nodeStart = true;
    if (plainContinues && lineIndent > plainOwner) nodeStart = false;
    plainContinues = false;
    chain = 0;
    if (lineIndent === 0 && isDocumentMarker(text, i)) {
      // A document marker.
      i += 3;
      owner = -1;
      if (perDocument) nodes = 0;
      openKeys = 0;
      atRoot = true;
    } else if (lineIndent === 0 && c === 0x25 /* % directive */) {
      i = endOfLine(text, i) + 1;
      continue;
    } else {
      owner = lineIndent - 1;
    }
    let scalarStart = -1; // column where the current plain or quoted scalar began
    let plain = false; // the last node of the line is a plain scalar (the only kind that continues on the next line)
    // The rest of the line, in block context.
    while (i < n) {
      c = text.charCodeAt(i);
      if (isBreak(c)) {
        i++;
        break;
      }
      if (isBlank(c)) {
        i++;
        continue;
      }
      const column = i - start;
      if (c === 0x23 /* # */ && (i === start || isBlank(text.charCodeAt(i - 1)))) {
        i = endOfLine(text, i);
        plainContinues = false;
        continue;
      }
      if (nodeStart) {
        if ((c === 0x2d /* - */ || c === 0x3f /* ? */) && separates(text, i + 1)) {
          // Each indicator of `- - -` opens a collection inside the item of the one before (a `?`
          // key that is a collection is refused anyway); an item is a value, a key is not.
          chain++;
          // An item is a value; a `?` key stands for its value, null until a `:` line gives it.
          nodes++;
          if (nodes > maxNodes) return { kind: 'nodes', index: i };
          if (c === 0x3f) openKeys++;
          owner = column;
          atRoot = false;
          if (chain > maxDepth) return { kind: 'depth', index: i };
          i++;
          continue;
        }
        if (c === 0x3a /* : */ && separates(text, i + 1)) {
          // An explicit value (after a `? key` line, counted there, or of an empty key): what follows is a node, not a plain scalar.
          if (openKeys > 0) openKeys--;
          else nodes++;
          if (nodes > maxNodes) return { kind: 'nodes', index: i };
          owner = column;
          atRoot = false;
          i++;
          continue;
        }
        if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
          const end = scanFlow(text, i, atRoot ? -1 : Math.max(chain - 1, 0), maxDepth, maxNodes - nodes);
          atRoot = false;
          if ('kind' in end) return end;
          nodes += end.nodes;
          if (nodes > maxNodes) return { kind: 'nodes', index: i };
          i = end.index;
          nodeStart = false;
          scalarStart = column;
          plain = false;
          continue;
        }
        if (c === 0x22 || c === 0x27) {
          atRoot = false;
          scalarStart = column;
          i = skipQuoted(text, i);
          nodeStart = false;
          plain = false;
          continue;
        }
        if (c === 0x7c /* | */ || c === 0x3e /* > */) {
          atRoot = false;
          // A block scalar: its lines are those indented more than its owner (or as its indicator says).
          const header = text.slice(i + 1, endOfLine(text, i)).match(/^[-+]?([1-9])?/);
          const explicit = header?.[1] !== undefined ? Number(header[1]) : undefined;
          let floor = explicit !== undefined ? Math.max(owner, 0) + explicit : owner + 1;
          let detected = explicit !== undefined; // without an indicator, the first line that is not blank sets the indentation
          i = endOfLine(text, i) + 1;
          while (i < n) {
            let j = i;
            while (j < n && text.charCodeAt(j) === 0x20) j++;
            const blank = j >= n || isBreak(text.charCodeAt(j)) || text.slice(j, endOfLine(text, j)).trim() === '';
            if (!blank && (j - i < floor || (j - i === 0 && isDocumentMarker(text, j)))) break;
            if (!blank && !detected) {
              floor = j - i;
              detected = true;
            }
            i = endOfLine(text, j) + 1;
          }
          i = Math.min(i, n);
          break;
        }
        if (c === 0x26 /* & */ || c === 0x21 /* ! */) {
          while (i < n && !separates(text, i)) i++;
          continue;
        }
        if (c === 0x2a /* * */) {
          atRoot = false;
          scalarStart = column;
          while (i < n && !separates(text, i)) i++;
          nodeStart = false;
          plain = false;
          continue;
        }
        // A plain scalar.
        atRoot = false;
        scalarStart = column;
        nodeStart = false;
        plain = true;
        i++;
        continue;
      }
      // Inside a scalar or after a node: a mapping indicator starts the value.
      if (c === 0x3a /* : */ && separates(text, i + 1)) {
        nodes++;
        if (nodes > maxNodes) return { kind: 'nodes', index: i };
        owner = scalarStart >= 0 ? scalarStart : owner;
        nodeStart = true;
        scalarStart = -1;
        i++;
        continue;
      }
      i++;
    }
    // A line that ended inside a plain scalar value may continue on the next.
    if (!nodeStart && scalarStart >= 0 && plain) {
      plainContinues = true;
      plainOwner = owner;
    }
  }
  return nodes > maxNodes ? { kind: 'nodes', index: n - 1 } : undefined;
}

/**
 * A flow collection starting at `i` (its `[` or `{`) at depth `depth + 1`:
 * where it ends and how many values it surely holds besides itself (each
 * entry of a list and the value of each pair in it, each entry of a map
 * (its value, null without one), once), or the excess.
 */
function scanFlow(text: string, i: number, depth: number, maxDepth: number, maxNodes: number): { index: number; nodes: number } | PrescanExcess {
  const n = text.length;
  const open: number[] = []; // the brackets open, innermost last
  let nodes = 0;
  let nodeStart = true;
  let isValue = false; // the node about to start is counted: an entry (of a list, or of a map for its value), or the value of a pair in a list
  const entry = () => {
    if (isValue && open.length > 0) nodes++;
    nodeStart = false;
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (nodeStart) entry();
      open.push(c);
      if (depth + open.length > maxDepth) return { kind: 'depth', index: i };
      if (nodes > maxNodes) return { kind: 'nodes', index: i };
      nodeStart = true;
      isValue = true;
      i++;
    } else if (c === 0x5d || c === 0x7d) {
      open.pop();
      i++;
      nodeStart = false;
      if (open.length === 0) return { index: i, nodes };
    } else if (c === 0x2c /* , */) {
      nodeStart = true;
      isValue = true;
      i++;
    } else if (c === 0x3a /* : */ && (separates(text, i + 1) || ',]}'.includes(text[i + 1] ?? ''))) {
      nodeStart = true;
      // A map's value was counted with its key; a pair in a list is a map whose value is counted here.
      isValue = open[open.length - 1] === 0x5b;
      i++;
    } else if (c === 0x23 /* # */ && (isBlank(text.charCodeAt(i - 1)) || isBreak(text.charCodeAt(i - 1)))) {
      i = endOfLine(text, i);
    } else if (isBlank(c) || isBreak(c)) {
      i++;
    } else if (nodeStart && c === 0x3f /* ? */ && separates(text, i + 1)) {
      // An explicit key: the entry is counted here, not its key.
      if (isValue && open.length > 0) nodes++;
      isValue = false;
      i++;
    } else if (nodeStart && (c === 0x26 /* & */ || c === 0x21 /* ! */)) {
      while (i < n && !separates(text, i) && !',[]{}'.includes(text[i])) i++;
    } else if (nodeStart && (c === 0x22 || c === 0x27)) {
      entry();
      i = skipQuoted(text, i);
    } else {
      if (nodeStart) entry();
      if (nodes > maxNodes) return { kind: 'nodes', index: i };
      i++;
    }
  }
  return { index: n, nodes };
}
