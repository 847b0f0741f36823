/**
 * @module project/resolve-id
 * Lets a notebook user type `--user 1` or `--item 50`: a graph id is used as given when the projection has it, and a
 * bare dataset id (no colon) stands for the one node of that kind whose graph id is `<dataset>:u:<id>` (users) or
 * `<dataset>:i:<id>` (items) — e.g. `1` → `ml100k:u:1`. When several datasets have that id the error lists them.
 */
import { AppError } from '../core/errors.ts';
import type { NodeKind } from '../core/model.ts';
import { KIND_CODES, lookupNode, nodeRef, type Csr } from './csr.ts';

const MARKER: Partial<Record<NodeKind, string>> = { User: 'u', Item: 'i' };

/** Per projection and kind: bare dataset id → the graph ids `<dataset>:<marker>:<bare id>` that end with it. */
const bareIds = new WeakMap<Csr, Map<NodeKind, Map<string, string[]>>>();

function bareIdIndex(csr: Csr, kind: NodeKind, marker: string): Map<string, string[]> {
  let byKind = bareIds.get(csr);
  if (!byKind) bareIds.set(csr, (byKind = new Map()));
  let index = byKind.get(kind);
  if (index) return index;
  index = new Map();
  const code = KIND_CODES[kind];
  const infix = `:${marker}:`;
  for (let v = 0; v < csr.nodeCount; v++) {
    if (csr.kinds[v] !== code) continue;
    const id = nodeRef(csr, v).id;
    const at = id.indexOf(':');
    if (at < 0 || !id.startsWith(infix, at)) continue;
    const bare = id.slice(at + infix.length);
    if (bare === '' || bare.includes(':')) continue;
    const list = index.get(bare);
    if (list) list.push(id);
    else index.set(bare, [id]);
  }
  byKind.set(kind, index);
  return index;
}

/**
 * Resolves `raw` to the graph id of a `kind` node; NOT_FOUND when there is none, BAD_REQUEST when ambiguous. The bare
 * ids of a projection are indexed once (O(n)), so the API can resolve one per request.
 */
export function resolveNodeId(csr: Csr, kind: NodeKind, raw: string): string {
  const text = raw.trim();
  if (text === '') throw new AppError('BAD_REQUEST', `give a ${kind.toLowerCase()} id`);
  if (lookupNode(csr, { kind, id: text }) >= 0) return text;
  const marker = MARKER[kind];
  if (marker && !text.includes(':')) {
    const matches = bareIdIndex(csr, kind, marker).get(text) ?? [];
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) throw new AppError('BAD_REQUEST', `${kind.toLowerCase()} ${JSON.stringify(text)} is ambiguous: ${matches.slice(0, 5).join(', ')}${matches.length > 5 ? ', …' : ''}`);
  }
  throw new AppError('NOT_FOUND', `unknown ${kind.toLowerCase()} ${JSON.stringify(text)}`);
}
