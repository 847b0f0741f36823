/**
 * @module explain/explain
 * One explanation: evidence → deterministic text → (optionally) the LLM's rewrite, served only when grounded.
 * The LLM gets the facts (delimited data) and the item; its answer must name the recommended item and at least one
 * other evidence node (the reason), nothing from the catalogue outside the evidence (explain/grounding), and every
 * item it says the person already rated, watched or picked must be one the evidence shows they know
 * (explain/claims), and its content words must come from the facts, without loops (explain/faithfulness). An answer
 * failing a check is regenerated once, then the deterministic text is served. The result always says which: `source: "llm" | "template"`.
 * Served texts are cached by the caller's key (user, item, graph version) plus the prompt version.
 */
import { log } from '../core/log.ts';
import type { Evidence, EvidenceNode } from './evidence.ts';
import { checkClaims } from './claims.ts';
import { checkFaithfulness } from './faithfulness.ts';
import { checkGrounding, type NameIndex } from './grounding.ts';
import type { GuardedLlm } from './llm/client.ts';
import { renderPrompt } from './prompt.ts';
import { evidenceToText, type ExplanationText } from './text.ts';

export const EXPLAIN_PROMPT = 'explain-recommendation.v1';

export const EXPLAIN_DEFAULTS = {
  /** LLM attempts before the template is served (the first try and one regeneration). */
  attempts: 2,
  maxTokens: 90,
  temperature: 0.3,
} as const;

/**
 * True when a model answer repeats the prompt's own scaffolding (delimiter tags, the rules, "Facts:") or talks about
 * the request ("The item you're referring to is …") instead of explaining — small models do this; such text is not
 * served.
 */
export function echoesPrompt(text: string, system: string): boolean {
  if (/<\/?(facts|item)>|\{\{|\bthe rules\b|\bthe facts are\b/i.test(text)) return true;
  // Talk about the request rather than to the person: "The item you're referring to is …", "The item is: …".
  if (/\b(?:you(?:'re| are) referring to|the item (?:you|is\b)|the recommended item is|the items? mentioned|the (?:list|facts) (?:above|provided))/i.test(text)) return true;
  const lines = system.split('\n').map((l) => l.replace(/^[-\s]+/, '').trim().toLowerCase()).filter((l) => l.length >= 24);
  const lower = text.toLowerCase();
  return lines.some((l) => lower.includes(l.slice(0, 40)));
}

export interface Explanation {
  text: string;
  source: 'llm' | 'template';
  /** The deterministic facts the explanation rests on. */
  facts: string[];
  promptVersion: string;
  model?: string;
  /** Why the template was served instead of the LLM's text (no LLM, timeout, not grounded, …). */
  fallbackReason?: string;
  cached?: boolean;
}

export interface ExplainDeps {
  llm?: GuardedLlm;
  /** Every catalogue title and entity name (for the grounding check). */
  names: NameIndex;
}

/** The nodes an explanation may name: everything in the evidence subgraph, the item and the seeds. */
export function evidenceNodes(evidence: Evidence): EvidenceNode[] {
  const nodes = new Map<string, EvidenceNode>();
  for (const n of [evidence.item, ...evidence.seeds, ...evidence.subgraph.nodes, ...evidence.paths.flatMap((p) => p.nodes), ...evidence.similarItems]) {
    if (n.kind !== 'User') nodes.set(n.key, { key: n.key, kind: n.kind, label: n.label });
  }
  return [...nodes.values()];
}

export async function explainEvidence(deps: ExplainDeps, evidence: Evidence, options: { cacheKey?: string; onText?: (chunk: string) => void } = {}): Promise<Explanation & { template: ExplanationText }> {
  const template = evidenceToText(evidence);
  const base = { facts: template.facts, promptVersion: EXPLAIN_PROMPT, template };
  if (!deps.llm) return { ...base, text: template.text, source: 'template', fallbackReason: 'no LLM configured' };
  const llm = deps.llm;
  const cacheKey = options.cacheKey === undefined ? undefined : `${options.cacheKey}|${EXPLAIN_PROMPT}`;
  if (cacheKey) {
    const hit = llm.cached(cacheKey);
    if (hit !== undefined) return { ...base, text: hit, source: 'llm', model: llm.name, cached: true };
  }
  const allowed = evidenceNodes(evidence).map((n) => ({ key: n.key, name: n.label }));
  const prompt = renderPrompt(EXPLAIN_PROMPT, { item: evidence.item.label, facts: template.facts.map((f) => `- ${f}`).join('\n') });
  let reason = 'not grounded';
  for (let attempt = 1; attempt <= EXPLAIN_DEFAULTS.attempts; attempt++) {
    let text: string;
    try {
      text = await llm.complete(prompt, {
        maxTokens: EXPLAIN_DEFAULTS.maxTokens,
        temperature: EXPLAIN_DEFAULTS.temperature,
        ...(options.onText ? { onText: options.onText } : {}),
      });
    } catch (error) {
      reason = (error as Error).message;
      log.warn('explain: LLM failed; serving the template', { reason });
      break;
    }
    if (echoesPrompt(text, prompt.system)) {
      reason = 'repeats the prompt instead of explaining';
      continue;
    }
    const grounding = checkGrounding(text, allowed, deps.names);
    if (!grounding.grounded) {
      reason = `not grounded: ${grounding.reason}`;
      continue;
    }
    if (!grounding.named.includes(evidence.item.key)) {
      reason = 'off topic: does not name the recommended item';
      continue;
    }
    if (!grounding.named.some((key) => key !== evidence.item.key)) {
      reason = 'no reason: names no evidence besides the recommended item';
      continue;
    }
    const claims = checkClaims(text, evidence, deps.names);
    if (!claims.ok) {
      reason = `false claim: ${claims.reason}`;
      continue;
    }
    const faithful = checkFaithfulness(text, template.facts, evidence.item.label);
    if (!faithful.ok) {
      reason = `unfaithful: ${faithful.reason}`;
      continue;
    }
    if (cacheKey) llm.remember(cacheKey, text);
    return { ...base, text, source: 'llm', model: llm.name };
  }
  return { ...base, text: template.text, source: 'template', model: llm.name, fallbackReason: reason };
}
