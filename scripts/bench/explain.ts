/**
 * `npm run bench -- explain [users=100] [k=5]`: explanation quality and latency with the configured LLM (the local
 * GGUF by default) on ML-100K + DBpedia in the bench Neo4j. For each of the first `users` users, the top-k hybrid
 * recommendations are explained. Prints JSON lines; the last holds
 * `{"verifiedRate", "distinctRatio", "templateFallbackRate", "p50Ms", "p95Ms", "model"}`:
 * verifiedRate = served LLM texts that the claim verifier (explain/verify) verifies, re-checked here independently;
 * distinctRatio = unique explanation texts ÷ all; templateFallbackRate = share served as the deterministic text.
 * Before the last line it prints up to 10 served LLM texts with their item (`sample`), and the fallback reasons counted.
 */
import { loadConfig } from '../../src/core/config.ts';
import { bootEngine } from '../../src/engine/boot.ts';
import { verifyExplanation } from '../../src/explain/verify/verify.ts';
import { benchConfig, emit, ensureMl100kDbpedia, ml100kDbpediaSpec, openBenchDatabase } from './_neo4j.ts';

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;
}

export async function main(argv: string[]): Promise<void> {
  const users = Number(argv[0] ?? 100);
  const k = Number(argv[1] ?? 5);
  const spec = ml100kDbpediaSpec();
  if (!spec) return;
  const cfg = { ...benchConfig(), llm: loadConfig().llm };
  const db = await openBenchDatabase();
  try {
    await ensureMl100kDbpedia(db, spec);
    const engine = await bootEngine(db, cfg);
    const texts: string[] = [];
    const times: number[] = [];
    let llmServed = 0;
    let verified = 0;
    let template = 0;
    const reasons = new Map<string, number>();
    const samples: Array<{ user: string; item: string; text: string }> = [];
    try {
      for (let u = 1; u <= users; u++) {
        const user = `ml100k:u:${u}`;
        for (const item of engine.recommend({ user, k }).items) {
          const t0 = performance.now();
          const { evidence, explanation } = await engine.explain({ user, item: item.id }, 'text');
          times.push(performance.now() - t0);
          texts.push(explanation!.text);
          if (explanation!.source === 'llm') {
            llmServed++;
            if (verifyExplanation(explanation!.text, evidence!, engine.names).ok) verified++;
            if (samples.length < 10 && u % 10 === 1) samples.push({ user, item: evidence!.item.label, text: explanation!.text });
          } else {
            template++;
            const reason = (explanation!.fallbackReason ?? 'unknown').replace(/:.*/, '');
            reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
          }
        }
        if (u % 10 === 0) emit({ usersDone: u, explanations: texts.length, llmServed, template });
      }
    } finally {
      await engine.close();
    }
    times.sort((a, b) => a - b);
    for (const sample of samples) emit({ sample });
    emit({ fallbackReasons: Object.fromEntries(reasons) });
    emit({
      users,
      k,
      explanations: texts.length,
      verifiedRate: llmServed ? verified / llmServed : null,
      distinctRatio: texts.length ? new Set(texts).size / texts.length : null,
      templateFallbackRate: texts.length ? template / texts.length : null,
      p50Ms: Math.round(percentile(times, 50)),
      p95Ms: Math.round(percentile(times, 95)),
      model: engine.llmName ?? 'none',
      targets: { verifiedRate: 1, distinctRatio: 0.95 },
    });
  } finally {
    await db.close();
  }
}
