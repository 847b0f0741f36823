/**
 * @module cli/commands/similar
 * `graphrec similar --item <id> [--k N]`: the items most like one item ("more like this"), from `similarItems` in
 * `retrieve/similar.ts` — cosine of LightGCN item vectors, or item-restarted PPR for an item without a vector — on the
 * engine built from the configured Neo4j. JSON by default; `--format csv` prints `item,rank,id,title,score,method`.
 */
import { loadConfig } from '../../core/config.ts';
import { AppError } from '../../core/errors.ts';
import { bootEngine } from '../../engine/boot.ts';
import { lookupNode } from '../../project/csr.ts';
import type { RecommendContext } from '../../retrieve/context.ts';
import { MAX_SIMILAR, similarItems, similarityMethod } from '../../retrieve/similar.ts';
import { openDatabase } from '../../store/open.ts';
import { numberFlag, parseFlags, type Command } from '../command.ts';
import { parseFormat, printResult } from '../output.ts';
import { resolveNodeId } from '../../project/resolve-id.ts';

export const SIMILAR_COLUMNS = ['item', 'rank', 'id', 'title', 'score', 'method'] as const;

export interface SimilarResult {
  /** The item asked about (resolved graph id) and its title. */
  item: string;
  title?: string;
  method: 'embedding' | 'ppr';
  items: Array<{ rank: number; id: string; title?: string; score: number }>;
}

/** The command's logic on a retrieval context. */
export function similarCommand(ctx: RecommendContext, rawItem: string, k: number): SimilarResult {
  const item = resolveNodeId(ctx.csr, 'Item', rawItem);
  const title = ctx.labels?.(ctx.csr.ids.at(lookupNode(ctx.csr, { kind: 'Item', id: item }))!);
  const method = similarityMethod(ctx, item);
  const items = similarItems(ctx, item, k).map((s, j) => ({ rank: j + 1, id: s.id, ...(s.label !== undefined ? { title: s.label } : {}), score: Number(s.score.toFixed(6)) }));
  return { item, ...(title !== undefined ? { title } : {}), method, items };
}

export const similarCliCommand: Command = {
  name: 'similar',
  summary: 'items most like one item (embedding cosine, or item-restarted PPR) as JSON or CSV',
  help: `usage: graphrec similar --item ID [--k N] [--format json|csv]

Boots the engine on the configured Neo4j and ranks the other items by similarity to ID: cosine of the LightGCN item
vectors, or (an item without a vector) Personalized PageRank restarted at the item with the degree discount of the
ppr strategy. Scores compare within one call only.

  --item ID    the item: a graph id (ml100k:i:50) or a bare dataset id (50) when one dataset has it
  --k N        items [10, at most ${MAX_SIMILAR}]
  --format F   json (default) or csv: ${SIMILAR_COLUMNS.join(',')}
  --quiet      no info logs on stderr`,
  async run(argv) {
    const { values } = parseFlags(argv, { item: { type: 'string' }, k: { type: 'string' }, format: { type: 'string' } });
    const format = parseFormat(values.format);
    const k = numberFlag('k', values.k, 10, { integer: true, min: 1, max: MAX_SIMILAR });
    if (values.item === undefined || values.item.trim() === '') throw new AppError('BAD_REQUEST', 'give --item ID');
    const cfg = loadConfig();
    const db = await openDatabase(cfg);
    try {
      const engine = await bootEngine(db, cfg, { llm: false });
      const result = similarCommand(engine.context, values.item, k);
      const rows = result.items.map((i) => ({ item: result.item, rank: i.rank, id: i.id, title: i.title ?? '', score: i.score, method: result.method }));
      printResult(format, result, rows, SIMILAR_COLUMNS);
    } finally {
      await db.close();
    }
  },
};
