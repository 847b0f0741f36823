/**
 * @module explain/llm/openai-compatible
 * Any OpenAI-compatible chat-completions endpoint: OpenAI, Ollama (`http://localhost:11434/v1`), vLLM, llama.cpp's
 * server. `LLM_BASE_URL` is the API root (ending in `/v1`), `LLM_MODEL` the model name, `LLM_API_KEY` optional.
 */
import { AppError } from '../../core/errors.ts';
import type { ChatPrompt } from '../prompt.ts';
import type { CompleteOptions, LlmClient } from './client.ts';

export interface OpenAiCompatibleOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
}

interface ChatCompletionResponse {
  choices?: Array<{ message?: { content?: unknown } }>;
}

export class OpenAiCompatibleLlm implements LlmClient {
  readonly name: string;

  constructor(private readonly o: OpenAiCompatibleOptions) {
    if (!/^https?:\/\//.test(o.baseUrl)) throw new AppError('CONFIG', `llm: LLM_BASE_URL must be an http(s) URL (got ${JSON.stringify(o.baseUrl)})`);
    if (!o.model) throw new AppError('CONFIG', 'llm: LLM_MODEL is required with LLM_BASE_URL');
    this.name = `openai:${o.model}`;
  }

  async complete(prompt: ChatPrompt, options: CompleteOptions = {}): Promise<string> {
    const response = await fetch(this.o.baseUrl.replace(/\/+$/, '') + '/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.o.apiKey ? { authorization: `Bearer ${this.o.apiKey}` } : {}) },
      body: JSON.stringify({
        model: this.o.model,
        messages: [
          { role: 'system', content: prompt.system },
          { role: 'user', content: prompt.user },
        ],
        max_tokens: options.maxTokens ?? 120,
        temperature: options.temperature ?? 0.2,
      }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!response.ok) throw new AppError('UNAVAILABLE', `llm: ${this.name} answered HTTP ${response.status}`);
    let body: ChatCompletionResponse;
    try {
      body = (await response.json()) as ChatCompletionResponse;
    } catch {
      throw new AppError('UNAVAILABLE', `llm: ${this.name} returned a body that is not JSON`);
    }
    const content = body.choices?.[0]?.message?.content;
    if (typeof content !== 'string' || content.trim() === '') throw new AppError('UNAVAILABLE', `llm: ${this.name} returned no text`);
    options.onText?.(content);
    return content;
  }

  async close(): Promise<void> {}
}
