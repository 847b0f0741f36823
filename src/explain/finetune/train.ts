/**
 * @module explain/finetune/train
 * `graphrec train-explainer`, step by step:
 * 1. pairs (explain/finetune/pairs) from the demo catalogue and, when present, ML-100K + DBpedia; JSONL under
 *    `.cache/finetune/` (never committed);
 * 2. a Python venv under `.cache/finetune/venv` with the pinned requirements (python/requirements.txt), created once;
 * 3. `python/train.py train` under `nice`: SmolLM2-135M read from the bundled GGUF, fine-tuned within a wall-clock
 *    budget, exported to GGUF (Q8_0);
 * 4. the exported model served through the real gate (`explainEvidence`: the local GGUF, one thread, the verifier) on
 *    the validation pairs (users never trained on): llmServedRate, verifiedRate (re-checked), p50Ms, first token;
 * 5. `<out>/graphrec-explainer.gguf` + `<out>/manifest.json` (the serving side's contract, docs/llm.md).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import path from 'node:path';
import { AppError } from '../../core/errors.ts';
import { log } from '../../core/log.ts';
import { ROOT, SHARED_DATA_DIR } from '../../core/paths.ts';
import type { Evidence } from '../evidence.ts';
import { explainEvidence } from '../explain.ts';
import type { NameIndex } from '../grounding.ts';
import { GuardedLlm } from '../llm/client.ts';
import { LocalGgufLlm } from '../llm/local-gguf.ts';
import { verifyExplanation } from '../verify/verify.ts';
import { demoSourceGraph, ml100kSourceGraph, type SourceGraph } from './graphs.ts';
import { generatePairs, type PairStats, type TrainingPair } from './pairs.ts';

export const TRAIN_EXPLAINER_DEFAULTS = {
  base: '.cache/models/SmolLM2-135M-Instruct.Q4_1.gguf',
  out: '.cache/models/graphrec-explainer',
  work: '.cache/finetune',
  dataDir: SHARED_DATA_DIR,
  /**
   * Wall-clock budget of the Python step (training + export), minutes: 48 keeps the whole command under 60 minutes on
   * the 2-core machine (measured 2026-12-04: 48 min 18 s in all, 499 steps, 100 % of validation pairs served).
   */
  trainMinutes: 48,
  /** Users per source graph at most. */
  maxUsers: 500,
  /** Validation pairs measured at most. */
  measurePairs: 60,
  trainLayers: 10,
  batch: 8,
  lr: 2e-4,
  threads: 2,
};

export type TrainExplainerOptions = typeof TRAIN_EXPLAINER_DEFAULTS & { python?: string; onLine?: (o: Record<string, unknown>) => void };

export interface ExplainerManifest {
  model: string;
  base: string;
  createdAt: string;
  llmServedRate: number;
  verifiedRate: number;
  p50Ms: number;
  firstTokenP50Ms: number;
  pairs: number;
  validationPairs: number;
  measured: number;
  trainSeconds: number;
  steps?: number;
  sources: PairStats[];
}

function run(cmd: string, args: string[], onLine: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    child.stderr.on('data', (d: Buffer) => void (err = (err + d.toString()).slice(-4000)));
    child.on('error', (e) => reject(new AppError('DEPENDENCY_MISSING', `train-explainer: cannot run ${cmd}: ${e.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new AppError('INTERNAL', `train-explainer: ${path.basename(cmd)} ${args[0] ?? ''} exited ${code}: ${err.trim().split('\n').slice(-5).join(' | ')}`))));
  });
}

/** The venv with the pinned requirements, created on first use (a stamp holds the requirements' hash). */
export async function ensureVenv(work: string, python = 'python3'): Promise<string> {
  const req = path.join(ROOT, 'src/explain/finetune/python/requirements.txt');
  const hash = createHash('sha256').update(readFileSync(req)).digest('hex');
  const venv = path.join(work, 'venv');
  const bin = path.join(venv, 'bin', 'python');
  const stamp = path.join(venv, '.graphrec-requirements');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return bin;
  log.info('train-explainer: creating the Python environment (torch, transformers, gguf; ~3 GB, a few minutes)', { venv });
  if (!existsSync(bin)) await run(python, ['-m', 'venv', venv], () => {});
  await run(bin, ['-m', 'pip', 'install', '-q', '-r', req], (l) => log.info(l));
  writeFileSync(stamp, hash);
  return bin;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;
}

export interface Measured {
  llmServedRate: number;
  verifiedRate: number;
  p50Ms: number;
  firstTokenP50Ms: number;
  measured: number;
  samples: Array<{ item: string; text: string; source: string }>;
}

/** Serves the validation pairs through the real gate with the model at `modelPath` (one thread). */
export async function measureExplainer(modelPath: string, cases: ReadonlyArray<{ evidence: Evidence; names: NameIndex }>, threads = 1): Promise<Measured> {
  const llm = new GuardedLlm(new LocalGgufLlm({ modelPath, threads, format: 'raw-chatml' }), { timeoutMs: 60_000 });
  const times: number[] = [];
  const first: number[] = [];
  let served = 0;
  let verified = 0;
  const samples: Measured['samples'] = [];
  try {
    // Load the model before timing (serving loads it once at start).
    await llm.complete({ id: 'warm', system: 'x', user: 'x' }, { maxTokens: 1 });
    for (const { evidence, names } of cases) {
      const t0 = performance.now();
      let firstAt: number | undefined;
      const ex = await explainEvidence({ llm, names }, evidence, { onText: () => void (firstAt ??= performance.now() - t0) });
      times.push(performance.now() - t0);
      if (firstAt !== undefined) first.push(firstAt);
      if (ex.source === 'llm') {
        served++;
        if (verifyExplanation(ex.text, evidence, names).ok) verified++;
      }
      if (samples.length < 12) samples.push({ item: evidence.item.label, text: ex.text, source: ex.source });
    }
  } finally {
    await llm.close();
  }
  times.sort((a, b) => a - b);
  first.sort((a, b) => a - b);
  return {
    llmServedRate: cases.length ? served / cases.length : 0,
    verifiedRate: served ? verified / served : 1,
    p50Ms: Math.round(percentile(times, 50)),
    firstTokenP50Ms: Math.round(percentile(first, 50)),
    measured: cases.length,
    samples,
  };
}

export async function trainExplainer(options: Partial<TrainExplainerOptions> = {}): Promise<ExplainerManifest> {
  const o = { ...TRAIN_EXPLAINER_DEFAULTS, ...options };
  const emit = o.onLine ?? ((x: Record<string, unknown>) => log.info('train-explainer', x));
  const t0 = performance.now();
  const work = path.resolve(ROOT, o.work);
  const out = path.resolve(ROOT, o.out);
  const base = path.resolve(ROOT, o.base);
  if (!existsSync(base)) throw new AppError('CONFIG', `train-explainer: no base model at ${base} (run npm ci)`);
  mkdirSync(work, { recursive: true });
  const python = await ensureVenv(work, o.python);

  // 1. Pairs.
  const graphs: SourceGraph[] = [demoSourceGraph()];
  const ml = ml100kSourceGraph(o.dataDir);
  if (ml) graphs.push(ml);
  else emit({ note: `no ML-100K + DBpedia under ${o.dataDir}: demo catalogue only` });
  const train: TrainingPair[] = [];
  const validation: Array<{ evidence: Evidence; names: NameIndex; pair: TrainingPair }> = [];
  const sources: PairStats[] = [];
  for (const g of graphs) {
    const { pairs, stats, names, evidence } = generatePairs(g, { maxUsers: o.maxUsers });
    sources.push(stats);
    emit({ pairs: stats });
    for (const p of pairs) {
      if (p.split === 'train') train.push(p);
      else validation.push({ pair: p, evidence: evidence.get(p)!, names });
    }
  }
  const jsonl = (list: TrainingPair[]) => list.map((p) => JSON.stringify(p)).join('\n') + '\n';
  const trainFile = path.join(work, 'pairs-train.jsonl');
  writeFileSync(trainFile, jsonl(train));
  writeFileSync(path.join(work, 'pairs-validation.jsonl'), jsonl(validation.map((v) => v.pair)));

  // 2–3. Train and export.
  const gguf = path.join(work, 'graphrec-explainer.gguf');
  const tTrain = performance.now();
  let last: Record<string, unknown> = {};
  // Niceness 10 for the training (shared cores), not more: under `nice npx …` a second `nice -n 10` would make it 19,
  // which a loaded machine starves.
  const nice = Math.max(0, 10 - getPriority());
  await run(
    'nice',
    ['-n', String(nice), python, path.join(ROOT, 'src/explain/finetune/python/train.py'), 'train', '--base', base, '--pairs', trainFile, '--out', gguf,
      '--seconds', String(o.trainMinutes * 60), '--train-layers', String(o.trainLayers), '--batch', String(o.batch), '--lr', String(o.lr), '--threads', String(o.threads)],
    (line) => {
      try {
        last = JSON.parse(line) as Record<string, unknown>;
        emit(last);
      } catch {
        /* not a progress line */
      }
    },
    { ...process.env, PYTHONUNBUFFERED: '1', TRANSFORMERS_OFFLINE: '1', HF_HUB_OFFLINE: '1', TQDM_DISABLE: '1' },
  );
  const trainSeconds = Math.round((performance.now() - tTrain) / 1000);

  // 4. Measure through the gate, on validation users only (evenly spread over the sources).
  const step = Math.max(1, Math.floor(validation.length / o.measurePairs));
  const cases = validation.filter((_, i) => i % step === 0).slice(0, o.measurePairs);
  const m = await measureExplainer(gguf, cases);
  emit({ measured: { ...m, samples: undefined } });
  for (const s of m.samples) emit({ sample: s });

  // 5. Publish.
  mkdirSync(out, { recursive: true });
  const name = 'graphrec-explainer.gguf';
  renameSync(gguf, path.join(out, name));
  const manifest: ExplainerManifest = {
    model: name,
    base: path.basename(base),
    createdAt: new Date().toISOString(),
    llmServedRate: m.llmServedRate,
    verifiedRate: m.verifiedRate,
    p50Ms: m.p50Ms,
    firstTokenP50Ms: m.firstTokenP50Ms,
    pairs: train.length,
    validationPairs: validation.length,
    measured: m.measured,
    trainSeconds,
    ...(typeof last.steps === 'number' ? { steps: last.steps } : {}),
    sources,
  };
  writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  emit({ done: true, out, totalSeconds: Math.round((performance.now() - t0) / 1000) });
  return manifest;
}
