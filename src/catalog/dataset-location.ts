import fs from 'node:fs';
import { Document, LineCounter, parseDocument } from 'yaml';

/**
 * Where a key of a dataset file sits: `file:line: key.path`, the one format every catalogue
 * problem is reported in (the loader's and `catalog check`'s).
 */
export type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
export type KeyPath = (string | number)[];


export const showPath = (p: KeyPath) => p.map((x, i) => (typeof x === 'number' ? `[${x}]` : i === 0 ? x : `.${x}`)).join('') || '(root)';

export interface Parsed {
  display: string;
  doc: Document;
  lc: LineCounter;
  raw: Raw;
}

export function lineOf(f: Parsed, keyPath: KeyPath): number {
  // Walk up until a node with a position is found (a missing key points at its parent).
  for (let n = keyPath.length; n >= 0; n--) {
    const node = f.doc.getIn(keyPath.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && node.range) return f.lc.linePos(node.range[0]).line;
  }
  return 1;
}

/**
 * `file:line: key.path` for keys of a dataset file already loaded (catalog check reports what the
 * live databases contradict by the same location format as loadDatasets). `has` tells whether a key
 * is written in the file (`fides_meta` or its old name `fidesops_meta`).
 */
export function keyLocator(file: string): { at: (keyPath: KeyPath) => string; has: (keyPath: KeyPath) => boolean } {
  const lc = new LineCounter();
  const doc = parseDocument(fs.readFileSync(file, 'utf8'), { lineCounter: lc });
  const f: Parsed = { display: file, doc, lc, raw: {} };
  return { at: (p) => `${file}:${lineOf(f, p)}: ${showPath(p)}`, has: (p) => doc.hasIn(p) };
}
