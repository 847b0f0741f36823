/**
 * `npm run bench -- explain [users=100] [k=5] [llmUsers=users]`: who writes the explanations, how true, how varied,
 * how long and how fast — on ML-100K + DBpedia and on KGCN Last.FM (implicit listens), graphs built straight from
 * ../shared/data as test/helpers/real-evidence builds them (no Neo4j; PPR top-k of the first `users` users).
 *
 * For every (user, item) pair the deterministic template (explain/text, `short`, what `explain.llm=auto` serves)
 * is timed and counted; for the pairs of the first `llmUsers` users the LLM path runs too, through `explainEvidence`
 * (the serving prompt, attempts and verifier gate), with the model `explain.llm=always` picks (explain/llm/policy:
 * LLM_BASE_URL, else LLM_MODEL_PATH, else the fine-tuned explainer, else the bundled SmolLM2; GRAPHREC_EXPLAIN_LLM
 * overrides `always`). One thread (LLM_THREADS, default 1); run it under `nice`.
 *
 * Per dataset, then over both (the last line):
 * - llmServedRate: share of LLM-path explanations served as `llm`;
 * - verifiedRate: served `llm` texts that `verifyExplanation` verifies when re-checked here, outside the gate (must be 1);
 * - distinctRatioLlm / distinctRatioTemplate: distinct texts ÷ texts, served `llm` texts alone / templates alone;
 * - wordsP50 / wordsP95: words per template explanation; starsOnImplicit: template texts with "★" or "rated" on
 *   implicit data (must be 0);
 * - p50Ms / p95Ms: one explanation on the LLM path (all attempts); firstTokenP50Ms: to the first streamed token;
 *   templateP50Ms / templateP95Ms: the template path (evidence → text);
 * - model: the LLM's name.
 * Writes 50 random served explanations (facts, text, source; LLM path where it ran, else the default template) to
 * docs/explanations-sample.md.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadConfig } from '../../src/core/config.ts';
import { fromRoot, SHARED_DATA_DIR } from '../../src/core/paths.ts';
import { createRng } from '../../src/compute/rng.ts';
import { buildEvidence } from '../../src/explain/evidence.ts';
import { explainEvidence } from '../../src/explain/explain.ts';
import { chooseExplainer } from '../../src/explain/llm/policy.ts';
import { evidenceToText, wordCount } from '../../src/explain/text.ts';
import { verifyExplanation } from '../../src/explain/verify/verify.ts';
import { evidenceContext, hasData, KGCN_DIR, loadKgcnLastfm, loadMl100k, ML100K_DIRS, pairsOf, type RealDataset } from '../../test/helpers/real-evidence.ts';
import { emit } from './_neo4j.ts';

const SAMPLE_FILE = 'docs/explanations-sample.md';
const SAMPLE_SIZE = 50;

function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);
}

interface Served {
  dataset: string;
  user: string;
  item: string;
  facts: string[];
  text: string;
  source: 'llm' | 'template';
  /** `llm`: the LLM path ran (explain.llm=always); `auto`: the template as the default serves it, no model asked. */
  path: 'llm' | 'auto';
  reason?: string;
}

interface Tally {
  pairs: number;
  templateTexts: string[];
  templateWords: number[];
  templateMs: number[];
  starsOnImplicit: number;
  llmPairs: number;
  llmTexts: string[];
  verified: number;
  llmMs: number[];
  firstTokenMs: number[];
  reasons: Map<string, number>;
  served: Served[];
}

const newTally = (): Tally => ({ pairs: 0, templateTexts: [], templateWords: [], templateMs: [], starsOnImplicit: 0, llmPairs: 0, llmTexts: [], verified: 0, llmMs: [], firstTokenMs: [], reasons: new Map(), served: [] });

function summary(t: Tally, model: string) {
  const ratio = (xs: string[]) => (xs.length ? Number((new Set(xs).size / xs.length).toFixed(4)) : null);
  return {
    pairs: t.pairs,
    llmPairs: t.llmPairs,
    llmServed: t.llmTexts.length,
    llmServedRate: t.llmPairs ? Number((t.llmTexts.length / t.llmPairs).toFixed(4)) : null,
    verifiedRate: t.llmTexts.length ? t.verified / t.llmTexts.length : null,
    distinctRatioLlm: ratio(t.llmTexts),
    distinctRatioTemplate: ratio(t.templateTexts),
    wordsP50: percentile(t.templateWords, 50),
    wordsP95: percentile(t.templateWords, 95),
    starsOnImplicit: t.starsOnImplicit,
    p50Ms: percentile(t.llmMs, 50),
    p95Ms: percentile(t.llmMs, 95),
    firstTokenP50Ms: percentile(t.firstTokenMs, 50),
    templateP50Ms: Number((percentile(t.templateMs.map((x) => x * 1000), 50)! / 1000).toFixed(3)),
    templateP95Ms: Number((percentile(t.templateMs.map((x) => x * 1000), 95)! / 1000).toFixed(3)),
    model,
  };
}

function merge(into: Tally, from: Tally): void {
  into.pairs += from.pairs;
  into.templateTexts.push(...from.templateTexts);
  into.templateWords.push(...from.templateWords);
  into.templateMs.push(...from.templateMs);
  into.starsOnImplicit += from.starsOnImplicit;
  into.llmPairs += from.llmPairs;
  into.llmTexts.push(...from.llmTexts);
  into.verified += from.verified;
  into.llmMs.push(...from.llmMs);
  into.firstTokenMs.push(...from.firstTokenMs);
  for (const [k, v] of from.reasons) into.reasons.set(k, (into.reasons.get(k) ?? 0) + v);
  into.served.push(...from.served);
}

function sampleMarkdown(served: Served[], header: Record<string, unknown>): string {
  const rng = createRng(17);
  const pool = [...served];
  const picked: Served[] = [];
  while (picked.length < SAMPLE_SIZE && pool.length > 0) picked.push(pool.splice(rng.int(pool.length), 1)[0]!);
  const lines = [
    '# Explanations as served: a random sample',
    '',
    `Generated by \`${String(header.command)}\` on ${String(header.date)} (${String(header.machine)}); do not edit by hand.`,
    `${picked.length} explanations drawn at random (seed 17) from the ${served.length} (user, item) pairs of the bench: ML-100K + DBpedia and`,
    'KGCN Last.FM (implicit listens), PPR top-k of the first users. For the pairs of the first `llmUsers` users the LLM path ran',
    `(\`explain.llm=always\`, model \`${String(header.model)}\`: the serving prompt and gate — the model's answer when the claim`,
    'verifier verifies it, else the template); for the others the default (`explain.llm=auto`) served the template at once.',
    'Each entry gives its source, the path that served it, and the facts (the `full` list) the text rests on.',
    '',
  ];
  picked.forEach((s, i) => {
    lines.push(`## ${i + 1}. ${s.dataset} — ${s.user} → ${s.item} — source: ${s.source} (${s.path === 'llm' ? 'LLM path, explain.llm=always' : 'default, explain.llm=auto'})`, '');
    lines.push(`> ${s.text.replace(/\n+/g, ' ')}`, '');
    if (s.reason) lines.push(`Template served because: ${s.reason}`, '');
    lines.push('Facts:', '', ...s.facts.map((f) => `- ${f}`), '');
  });
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<void> {
  const users = Number(argv[0] ?? 100);
  const k = Number(argv[1] ?? 5);
  const llmUsers = Number(argv[2] ?? users);
  if (![users, k, llmUsers].every((n) => Number.isInteger(n) && n >= 0)) throw new Error('usage: npm run bench -- explain [users] [k] [llmUsers]');
  const datasets: Array<{ label: string; dirs: readonly string[]; load: () => RealDataset }> = [
    { label: 'ml-100k + dbpedia', dirs: ML100K_DIRS, load: () => loadMl100k(SHARED_DATA_DIR) },
    { label: 'kgcn last.fm', dirs: [KGCN_DIR], load: () => loadKgcnLastfm(SHARED_DATA_DIR) },
  ];
  const present = datasets.filter((d) => hasData(SHARED_DATA_DIR, d.dirs));
  for (const d of datasets.filter((x) => !present.includes(x))) emit({ skipped: d.label, why: `${SHARED_DATA_DIR} lacks ${d.dirs.join(', ')} (../shared/data is absent or incomplete)` });
  if (present.length === 0) {
    process.exitCode = 1;
    return;
  }
  const cfg = loadConfig({ overrides: { explain: { llm: process.env.GRAPHREC_EXPLAIN_LLM ?? 'always' } } });
  const { policy, llm } = chooseExplainer(cfg);
  emit({ policy });
  const model = llm?.name ?? 'none';
  const total = newTally();
  const byDataset: Record<string, unknown> = {};
  try {
    for (const d of present) {
      const ds = d.load();
      const t = newTally();
      const pairs = pairsOf(ds, users, k);
      const llmUserSet = new Set(ds.users.slice(0, llmUsers));
      const ctx = evidenceContext(ds);
      for (const p of pairs) {
        t.pairs++;
        // The template path as `auto` serves it: evidence, then the short text.
        const t0 = performance.now();
        const evidence = buildEvidence(ctx, { user: p.user, item: p.item });
        const template = evidenceToText(evidence);
        t.templateMs.push(performance.now() - t0);
        t.templateTexts.push(template.text);
        t.templateWords.push(wordCount(template.text));
        if (!ds.interactions.rated && /★|\brated\b/.test(template.text)) t.starsOnImplicit++;
        if (!llm || !llmUserSet.has(p.user)) {
          t.served.push({ dataset: ds.name, user: p.user, item: evidence.item.label, facts: template.facts, text: template.text, source: 'template', path: 'auto' });
          continue;
        }
        t.llmPairs++;
        let first: number | undefined;
        const s0 = performance.now();
        const out = await explainEvidence({ llm, names: ds.names }, evidence, { onText: () => void (first ??= performance.now() - s0) });
        t.llmMs.push(performance.now() - s0);
        if (first !== undefined) t.firstTokenMs.push(first);
        if (out.source === 'llm') {
          t.llmTexts.push(out.text);
          if (verifyExplanation(out.text, evidence, ds.names).ok) t.verified++;
        } else {
          const reason = (out.fallbackReason ?? 'unknown').replace(/:.*/, '');
          t.reasons.set(reason, (t.reasons.get(reason) ?? 0) + 1);
        }
        t.served.push({ dataset: ds.name, user: p.user, item: evidence.item.label, facts: out.facts, text: out.text, source: out.source, path: 'llm', ...(out.fallbackReason ? { reason: out.fallbackReason } : {}) });
        if (t.llmPairs % 10 === 0) emit({ dataset: ds.name, llmPairs: t.llmPairs, llmServed: t.llmTexts.length });
      }
      const s = summary(t, model);
      byDataset[ds.name] = s;
      emit({ dataset: ds.name, ...s, fallbackReasons: Object.fromEntries(t.reasons) });
      merge(total, t);
    }
  } finally {
    await llm?.close();
  }
  const command = `nice -n 10 npm run bench -- explain ${argv.join(' ')}`.trim();
  if (total.served.length > 0) {
    const header = { command, date: new Date().toISOString().slice(0, 10), machine: `${process.platform}, load ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`, model };
    // Keep the section another bench owns (`npm run bench -- evidence --write`, between its markers).
    const previous = existsSync(fromRoot(SAMPLE_FILE)) ? readFileSync(fromRoot(SAMPLE_FILE), 'utf8') : '';
    const from = previous.indexOf('<!-- evidence-bench:start -->');
    const to = previous.indexOf('<!-- evidence-bench:end -->');
    const kept = from >= 0 && to > from ? '\n' + previous.slice(from) : '';
    writeFileSync(fromRoot(SAMPLE_FILE), sampleMarkdown(total.served, header).replace(/\n*$/, '\n') + kept);
    emit({ wrote: SAMPLE_FILE, explanations: Math.min(SAMPLE_SIZE, total.served.length) });
  }
  emit({
    users,
    k,
    llmUsers,
    ...summary(total, model),
    policy: { mode: policy.mode, source: policy.source },
    byDataset,
    targets: { verifiedRate: 1, llmServedRate: 0.5, p50Ms: 2000, firstTokenP50Ms: 500, wordsP95: 45, starsOnImplicit: 0 },
  });
}
