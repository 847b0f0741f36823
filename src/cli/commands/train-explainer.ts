/**
 * @module cli/commands/train-explainer
 * `graphrec train-explainer`: fine-tunes the bundled SmolLM2-135M on explanation pairs that the claim verifier serves
 * and writes `.cache/models/graphrec-explainer/` (GGUF + manifest.json with the measured served rate). See
 * explain/finetune/train and docs/llm.md ("Fine-tuned explainer").
 */
import { numberFlag, parseFlags, type Command } from '../command.ts';
import { parseFormat, printResult } from '../output.ts';
import { TRAIN_EXPLAINER_DEFAULTS, trainExplainer } from '../../explain/finetune/train.ts';

export const trainExplainerCommand: Command = {
  name: 'train-explainer',
  summary: 'fine-tune the local model to write explanations the claim checker serves (GGUF + manifest)',
  help: `usage: graphrec train-explainer [options]

Generates verified explanation pairs from the demo catalogue (and ML-100K + DBpedia when ../shared/data has it),
fine-tunes SmolLM2-135M on the CPU in a Python venv it creates under .cache/finetune (torch from PyPI), exports GGUF,
measures it through the serving gate on held-out users and writes <out>/graphrec-explainer.gguf + manifest.json.

Options:
  --minutes N      wall-clock budget of training + export [${TRAIN_EXPLAINER_DEFAULTS.trainMinutes}]
  --max-users N    users per source graph [${TRAIN_EXPLAINER_DEFAULTS.maxUsers}]
  --measure N      validation pairs measured through the gate [${TRAIN_EXPLAINER_DEFAULTS.measurePairs}]
  --out DIR        [${TRAIN_EXPLAINER_DEFAULTS.out}]
  --data DIR       shared data folder [../shared/data]
  --format F       json (default) or csv`,
  async run(argv) {
    const { values } = parseFlags(argv, { minutes: { type: 'string' }, 'max-users': { type: 'string' }, measure: { type: 'string' }, out: { type: 'string' }, data: { type: 'string' }, format: { type: 'string' } });
    const format = parseFormat(values.format);
    const d = TRAIN_EXPLAINER_DEFAULTS;
    const manifest = await trainExplainer({
      trainMinutes: numberFlag('minutes', values.minutes, d.trainMinutes, { min: 1 }),
      maxUsers: numberFlag('max-users', values['max-users'], d.maxUsers, { min: 10, integer: true }),
      measurePairs: numberFlag('measure', values.measure, d.measurePairs, { min: 1, integer: true }),
      ...(values.out ? { out: values.out } : {}),
      ...(values.data ? { dataDir: values.data } : {}),
    });
    const { sources, ...row } = manifest;
    printResult(format, { ...manifest }, [{ ...row, sources: sources.map((s) => `${s.source}:${s.pairs}`).join(' ') }], Object.keys(row).concat('sources'));
  },
};
