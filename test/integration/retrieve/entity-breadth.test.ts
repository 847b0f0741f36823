/**
 * The knowledge walk's cap on broad entities (`knowledgeMaxEntityItems`) is a cost bound for generated catalogues at
 * scale: on every knowledge-graph dataset in ../shared/data it must not bind, so the walk there is the uncapped one
 * that the quality numbers in docs/evaluation.md measured. Prints each dataset's broadest entity.
 */
import { describe, expect, it } from 'vitest';
import { readSourceLog } from '../../../src/evaluate/datasets.ts';
import { resolveDataset } from '../../../src/ingest/resolve.ts';
import { RECOMMEND_DEFAULTS } from '../../../src/retrieve/context.ts';
import { sharedDataset } from '../helpers.ts';

const ml = sharedDataset('ml-100k');
const specs: Array<[string, string | undefined]> = [
  ['movielens-dbpedia', ml && sharedDataset('ml-100k-dbpedia') ? `movielens-dbpedia:${ml},${sharedDataset('ml-100k-dbpedia')}` : undefined],
  ['freebase', ml && sharedDataset('ml-100k-kg-freebase') ? `freebase:${ml},${sharedDataset('ml-100k-kg-freebase')}` : undefined],
  ['kgcn', sharedDataset('kgcn-lastfm') ? `kgcn:${sharedDataset('kgcn-lastfm')}` : undefined],
];

describe('knowledge walk cap on real data', () => {
  for (const [name, spec] of specs) {
    it.skipIf(!spec)(`does not bind on ${name}`, async () => {
      const log = await readSourceLog(resolveDataset(spec!));
      const items = new Map<string, Set<number>>();
      for (const k of log.knowledge) {
        let set = items.get(k.entity);
        if (!set) items.set(k.entity, (set = new Set()));
        set.add(k.item);
      }
      const broadest = Math.max(...[...items.values()].map((s) => s.size));
      console.log(`[graphrec] ${name}: ${items.size} entities, the broadest links ${broadest} items (cap ${RECOMMEND_DEFAULTS.knowledgeMaxEntityItems})`);
      expect(items.size).toBeGreaterThan(0);
      expect(broadest).toBeLessThanOrEqual(RECOMMEND_DEFAULTS.knowledgeMaxEntityItems);
    }, 120_000);
  }
});
