/**
 * @module explain/finetune/prompt
 * The fine-tuned explainer's prompt — one definition for training (explain/finetune/pairs) and serving
 * (explain/explain, explain/llm/local-gguf): the prompt file `explain-finetuned.v1` with the item and the first
 * {@link EXPLAINER_MAX_FACTS} facts of `evidenceToText`, sent as raw ChatML text (explain/llm/chatml).
 * A GGUF is the explainer when a `manifest.json` beside it names it (`graphrec train-explainer` writes both).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Evidence } from '../evidence.ts';
import { renderPrompt, type ChatPrompt } from '../prompt.ts';
import { evidenceToText } from '../text.ts';

export const EXPLAINER_PROMPT = 'explain-finetuned.v1';
/** Facts in the explainer's prompt: a short prompt is a fast first token (and cheap training on two cores). */
export const EXPLAINER_MAX_FACTS = 4;

export function explainerChatPrompt(evidence: Evidence): { prompt: ChatPrompt; facts: string[] } {
  const facts = evidenceToText(evidence, { maxFacts: EXPLAINER_MAX_FACTS }).facts;
  return { prompt: renderPrompt(EXPLAINER_PROMPT, { item: `*${evidence.item.label}*`, facts: facts.map((f) => `- ${f}`).join('\n') }), facts };
}

/** Whether the GGUF at `modelPath` is a fine-tuned explainer (its folder's manifest.json names it). */
export function isExplainerModel(modelPath: string): boolean {
  const manifest = path.join(path.dirname(modelPath), 'manifest.json');
  if (!existsSync(manifest)) return false;
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { model?: unknown }).model === path.basename(modelPath);
  } catch {
    return false;
  }
}
