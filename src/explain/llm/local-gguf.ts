/**
 * @module explain/llm/local-gguf
 * A GGUF model run in-process by node-llama-cpp (its bundled prebuilt binary for the platform: `build: "never"`, no
 * compiler, no download). Loaded lazily on first use; one context sequence, so calls run one at a time (the guard
 * queues them). Measured here: SmolLM2-135M Q4_1 loads in ~2.6 s and writes ~55 tokens/s with `threads: 1`
 * (two threads collapse when the other core is busy).
 */
import path from 'node:path';
import { AppError } from '../../core/errors.ts';
import type { ChatPrompt } from '../prompt.ts';
import type { CompleteOptions, LlmClient } from './client.ts';

type NodeLlamaCpp = typeof import('node-llama-cpp');
type Llama = Awaited<ReturnType<NodeLlamaCpp['getLlama']>>;
type Model = Awaited<ReturnType<Llama['loadModel']>>;
type Context = Awaited<ReturnType<Model['createContext']>>;

export interface LocalGgufOptions {
  modelPath: string;
  threads?: number;
  contextSize?: number;
}

export class LocalGgufLlm implements LlmClient {
  readonly name: string;
  private loading: Promise<{ lib: NodeLlamaCpp; llama: Llama; model: Model; context: Context }> | undefined;

  constructor(private readonly o: LocalGgufOptions) {
    this.name = `local:${path.basename(o.modelPath)}`;
  }

  private load() {
    this.loading ??= (async () => {
      let lib: NodeLlamaCpp;
      try {
        lib = await import('node-llama-cpp');
      } catch (error) {
        throw new AppError('DEPENDENCY_MISSING', `llm: node-llama-cpp is not installed: ${(error as Error).message}`);
      }
      const llama = await lib.getLlama({ build: 'never', gpu: false, progressLogs: false, logLevel: lib.LlamaLogLevel.error });
      const model = await llama.loadModel({ modelPath: this.o.modelPath });
      const context = await model.createContext({ threads: this.o.threads ?? 1, contextSize: this.o.contextSize ?? 2048 });
      return { lib, llama, model, context };
    })();
    return this.loading;
  }

  async complete(prompt: ChatPrompt, options: CompleteOptions = {}): Promise<string> {
    const { lib, context } = await this.load();
    const sequence = context.getSequence();
    const session = new lib.LlamaChatSession({ contextSequence: sequence, systemPrompt: prompt.system });
    try {
      return await session.prompt(prompt.user, {
        maxTokens: options.maxTokens ?? 120,
        temperature: options.temperature ?? 0.2,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onText ? { onTextChunk: options.onText } : {}),
      });
    } finally {
      session.dispose();
      sequence.dispose();
    }
  }

  async close(): Promise<void> {
    if (!this.loading) return;
    const { llama, model, context } = await this.loading;
    await context.dispose();
    await model.dispose();
    await llama.dispose();
  }
}
