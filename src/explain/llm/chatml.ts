/**
 * @module explain/llm/chatml
 * The ChatML text of a chat prompt (SmolLM2's chat format), for models that are prompted with raw text instead of a
 * chat session: the fine-tuned explainer (explain/finetune) is trained on exactly this text and served with it, so
 * the two cannot drift apart. The answer follows the last line; the model ends it with `<|im_end|>` (its EOS).
 */
import type { ChatPrompt } from '../prompt.ts';

export const CHATML_END = '<|im_end|>';

export function chatmlText(prompt: ChatPrompt): string {
  return `<|im_start|>system\n${prompt.system}${CHATML_END}\n<|im_start|>user\n${prompt.user}${CHATML_END}\n<|im_start|>assistant\n`;
}
