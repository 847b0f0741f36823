/**
 * `npm run bench -- verify [llmPairs=20]`: the claim verifier (explain/verify) on real ML-100K + DBpedia evidence, no
 * Neo4j needed.
 *
 * 1. The adversarial set (test/helpers/adversarial: 30 seeded users × 2 PPR recommendations, true sentences and
 *    false perturbations): prints `{ sentences, false, falseRejected, true, trueServed, byCategory }`.
 * 2. With the local GGUF present: the model explains the first `llmPairs` pairs through `explainEvidence` (the same
 *    prompt, attempts and gate as serving). Every raw answer is printed with the verifier's verdict and reason, so a
 *    person can read whether what was served is true.
 *
 * The last line: `{ falseRejectedRate, trueServedRate, llmPairs, llmServed, model }`.
 */
import { existsSync } from 'node:fs';
import { loadConfig } from '../../src/core/config.ts';
import { fromRoot, SHARED_DATA_DIR } from '../../src/core/paths.ts';
import { explainEvidence } from '../../src/explain/explain.ts';
import { GuardedLlm, type LlmClient } from '../../src/explain/llm/client.ts';
import { createLlm } from '../../src/explain/llm/index.ts';
import { verifyExplanation } from '../../src/explain/verify/verify.ts';
import { buildAdversarialSet } from '../../test/helpers/adversarial.ts';
import { emit } from './_neo4j.ts';

export async function main(argv: string[]): Promise<void> {
  const llmPairs = Number(argv[0] ?? 20);
  if (!existsSync(`${SHARED_DATA_DIR}/ml-100k`) || !existsSync(`${SHARED_DATA_DIR}/ml-100k-dbpedia`)) {
    emit({ skipped: `${SHARED_DATA_DIR}/ml-100k and ml-100k-dbpedia are needed` });
    return;
  }
  const set = buildAdversarialSet(SHARED_DATA_DIR);
  let falses = 0;
  let falseRejected = 0;
  let trues = 0;
  let trueServed = 0;
  const byCategory: Record<string, [number, number]> = {};
  for (const p of set.pairs) {
    for (const c of p.cases) {
      const ok = verifyExplanation(c.text, p.evidence, set.names).ok;
      if (c.truth) {
        trues++;
        if (ok) trueServed++;
      } else {
        falses++;
        if (!ok) falseRejected++;
      }
      const counts = (byCategory[c.category] ??= [0, 0]);
      counts[0] += ok ? 1 : 0;
      counts[1]++;
    }
  }
  emit({ adversarial: { pairs: set.pairs.length, sentences: falses + trues, false: falses, falseRejected, true: trues, trueServed, servedByCategory: Object.fromEntries(Object.entries(byCategory).map(([k, [s, n]]) => [k, `${s}/${n}`])) } });

  const cfg = loadConfig().llm;
  let llmServed = 0;
  let model = 'none';
  const asked = Math.min(llmPairs, set.pairs.length);
  if (llmPairs > 0 && existsSync(fromRoot(cfg.modelPath))) {
    const guarded = createLlm({ ...cfg, provider: 'local', timeoutMs: 120_000 })!;
    const answers: string[] = [];
    // Records every raw answer on its way to the gate.
    const recording: LlmClient = {
      name: guarded.name,
      complete: async (prompt, options) => {
        const text = await guarded.inner.complete(prompt, options);
        answers.push(text);
        return text;
      },
      close: async () => guarded.close(),
    };
    const llm = new GuardedLlm(recording, { timeoutMs: 120_000, maxConcurrency: 1 });
    model = llm.name;
    try {
      for (const p of set.pairs.slice(0, asked)) {
        answers.length = 0;
        const out = await explainEvidence({ llm, names: set.names }, p.evidence);
        if (out.source === 'llm') llmServed++;
        emit({
          user: p.user,
          item: p.evidence.item.label,
          answers: answers.map((a) => ({ text: a, verdict: verifyExplanation(a, p.evidence, set.names).reason ?? 'served' })),
          source: out.source,
          served: out.text,
        });
      }
    } finally {
      await llm.close();
    }
  }
  emit({ falseRejectedRate: falses ? falseRejected / falses : null, trueServedRate: trues ? trueServed / trues : null, llmPairs: model === 'none' ? 0 : asked, llmServed, model, targets: { falseRejectedRate: 1, trueServedRate: 0.85 } });
}
