/**
 * @module explain/llm
 * Chooses the LLM provider from config: `openai` (any OpenAI-compatible endpoint), `local` (the GGUF in-process),
 * `none`, or `auto` — the endpoint when LLM_BASE_URL is set, else the local model when its file exists, else none.
 */
import { existsSync } from 'node:fs';
import type { Config } from '../../core/config.ts';
import { AppError } from '../../core/errors.ts';
import { fromRoot } from '../../core/paths.ts';
import { isExplainerModel } from '../finetune/prompt.ts';
import { GuardedLlm } from './client.ts';
import { LocalGgufLlm } from './local-gguf.ts';
import { OpenAiCompatibleLlm } from './openai-compatible.ts';

export function createLlm(cfg: Config['llm']): GuardedLlm | undefined {
  const modelPath = fromRoot(cfg.modelPath);
  const provider = cfg.provider === 'auto' ? (cfg.baseUrl ? 'openai' : existsSync(modelPath) ? 'local' : 'none') : cfg.provider;
  const guard = { timeoutMs: cfg.timeoutMs, maxConcurrency: cfg.maxConcurrency, maxQueue: cfg.maxQueue, maxQueuePerClient: cfg.maxQueuePerClient };
  switch (provider) {
    case 'none':
      return undefined;
    case 'openai':
      return new GuardedLlm(new OpenAiCompatibleLlm({ baseUrl: cfg.baseUrl, model: cfg.model, ...(cfg.apiKey ? { apiKey: cfg.apiKey } : {}) }), guard);
    case 'local':
      if (!existsSync(modelPath)) throw new AppError('CONFIG', `llm: no GGUF model at ${modelPath} (run npm ci, or set LLM_MODEL_PATH)`);
      return new GuardedLlm(new LocalGgufLlm({ modelPath, threads: cfg.threads, format: isExplainerModel(modelPath) ? 'raw-chatml' : 'chat' }), { ...guard, maxConcurrency: 1 });
  }
}
