/**
 * @module explain/explain
 * One explanation: evidence → deterministic text → (optionally) the LLM's rewrite, served only when verified.
 * The LLM gets the facts (delimited data) and the item; its answer is served only when `verifyExplanation`
 * (explain/verify/verify) verifies every clause of it against the evidence — the one check that gates serving, also
 * behind `graphrec explain --check`. An answer failing it is regenerated once, then the deterministic text is served.
 * The result always says which: `source: "llm" | "template"`. Whether an LLM is asked at all is decided once at boot
 * (explain/llm/policy, `explain.llm`); without one the template is served at once with the policy's reason.
 * Served texts are cached by the caller's key (user, item, graph version) plus the prompt version.
 */
import { log } from '../core/log.ts';
import type { Evidence } from './evidence.ts';
import type { NameIndex } from './grounding.ts';
import { isQueueRefusal, type CallContext, type GuardedLlm } from './llm/client.ts';
import { EXPLAINER_PROMPT, explainerChatPrompt } from './finetune/prompt.ts';
import { renderPrompt } from './prompt.ts';
import { evidenceToText, type ExplanationText, type TextStyle } from './text.ts';
import { verifyExplanation } from './verify/verify.ts';

export const EXPLAIN_PROMPT = 'explain-recommendation.v1';

export const EXPLAIN_DEFAULTS = {
  /** LLM attempts before the template is served (the first try and one regeneration). */
  attempts: 2,
  maxTokens: 90,
  temperature: 0.3,
} as const;

export interface Explanation {
  text: string;
  source: 'llm' | 'template';
  /** The deterministic facts the explanation rests on. */
  facts: string[];
  promptVersion: string;
  model?: string;
  /** Why the template was served instead of the LLM's text (no LLM, timeout, the verifier's reason, …). */
  fallbackReason?: string;
  cached?: boolean;
}

export interface ExplainDeps {
  llm?: GuardedLlm;
  /** Why no LLM is asked, when `llm` is absent (explain/llm/policy); the template's `fallbackReason`. */
  templateReason?: string;
  /** Every catalogue title and entity name (the verifier recognises catalogue names outside the evidence). */
  names: NameIndex;
}

export interface ExplainOptions extends CallContext {
  cacheKey?: string;
  /** Called with each piece of the LLM's text as it is generated (streaming). */
  onText?: (chunk: string) => void;
  /** Style of the template text (explain/text): `short` (one or two sentences) or `full` (every fact). ['short'] */
  style?: TextStyle;
  budget?: LlmBudget;
}

/**
 * The LLM work one request may start (api: `llm.maxPerRequest` explanations, each also charged to the client's rate
 * limit). Explanations past it get the deterministic text at once, `fallbackReason` saying why; cached answers are
 * free.
 */
export interface LlmBudget {
  /** Explanations that may still call the model. */
  left: number;
  /** The cap, for the message. */
  cap: number;
  /** Charges one LLM explanation to the client's rate limit; false when its bucket is empty. */
  charge?: () => boolean;
}

/**
 * Throws only when the LLM queue refuses the first call (RATE_LIMITED / UNAVAILABLE with Retry-After,
 * `isQueueRefusal`): every other failure serves the deterministic text.
 */
export async function explainEvidence(deps: ExplainDeps, evidence: Evidence, options: ExplainOptions = {}): Promise<Explanation & { template: ExplanationText }> {
  const template = evidenceToText(evidence, { style: options.style ?? 'short' });
  const base = { facts: template.facts, promptVersion: EXPLAIN_PROMPT, template };
  if (!deps.llm) return { ...base, text: template.text, source: 'template', fallbackReason: deps.templateReason ?? 'no LLM configured' };
  const llm = deps.llm;
  const cacheKey = options.cacheKey === undefined ? undefined : `${options.cacheKey}|${EXPLAIN_PROMPT}`;
  if (cacheKey) {
    const hit = llm.cached(cacheKey);
    if (hit !== undefined) return { ...base, text: hit, source: 'llm', model: llm.name, cached: true };
  }
  const budget = options.budget;
  if (budget) {
    if (budget.left <= 0) {
      return { ...base, text: template.text, source: 'template', model: llm.name, fallbackReason: `llm cap: a request gets at most ${budget.cap} LLM explanations (llm.maxPerRequest); this one is the deterministic text` };
    }
    if (budget.charge && !budget.charge()) {
      return { ...base, text: template.text, source: 'template', model: llm.name, fallbackReason: 'rate limit: this client has no tokens left for LLM explanations (auth.rateLimit.llmCost)' };
    }
    budget.left--;
  }
  // A fine-tuned explainer is prompted exactly as it was trained (explain/finetune/prompt).
  const prompt =
    llm.promptName === EXPLAINER_PROMPT
      ? explainerChatPrompt(evidence).prompt
      : renderPrompt(EXPLAIN_PROMPT, { item: evidence.item.label, facts: template.facts.map((f) => `- ${f}`).join('\n') });
  let reason = 'not verified';
  for (let attempt = 1; attempt <= EXPLAIN_DEFAULTS.attempts; attempt++) {
    let text: string;
    try {
      text = await llm.complete(prompt, {
        maxTokens: EXPLAIN_DEFAULTS.maxTokens,
        temperature: EXPLAIN_DEFAULTS.temperature,
        ...(options.onText ? { onText: options.onText } : {}),
        ...(options.client ? { client: options.client } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      // A refused first try is the client's answer (429/503 + Retry-After); a refused regeneration serves the template.
      if (attempt === 1 && isQueueRefusal(error)) throw error;
      reason = (error as Error).message;
      log.warn('explain: LLM failed; serving the template', { reason });
      break;
    }
    const verdict = verifyExplanation(text, evidence, deps.names);
    if (!verdict.ok) {
      reason = verdict.reason ?? 'not verified';
      continue;
    }
    if (cacheKey) llm.remember(cacheKey, text);
    return { ...base, text, source: 'llm', model: llm.name };
  }
  return { ...base, text: template.text, source: 'template', model: llm.name, fallbackReason: reason };
}
