/**
 * @module explain/llm/local-gguf
 * A GGUF model run in-process by node-llama-cpp (its bundled prebuilt binary for the platform: `build: "never"`, no
 * compiler, no download). Loaded lazily on first use; one context sequence, so calls run one at a time (the guard
 * queues them). Measured here: SmolLM2-135M Q4_1 loads in ~2.6 s and writes ~55 tokens/s with `threads: 1`
 * (two threads collapse when the other core is busy).
 *
 * Sequence lifecycle: the context holds exactly one sequence, taken once and reused; each call clears its history
 * first. (Disposing the sequence after each call and taking a new one, as before, gives its id back asynchronously —
 * and with some models, e.g. Gemma 3, not at all — so the next call failed with "No sequences left" until restart.)
 * A call that fails for any other reason than an abort or timeout (a broken sequence) drops the context; the next
 * call builds a fresh one from the loaded model. Tested with two GGUFs, 20 calls in a row and aborts mid-generation
 * (test/explain/local-gguf-lifecycle.test.ts).
 */
import path from 'node:path';
import { AppError } from '../../core/errors.ts';
import { EXPLAINER_PROMPT } from '../finetune/prompt.ts';
import type { ChatPrompt } from '../prompt.ts';
import { CHATML_END, chatmlText } from './chatml.ts';
import type { CompleteOptions, LlmClient } from './client.ts';

type NodeLlamaCpp = typeof import('node-llama-cpp');
type Llama = Awaited<ReturnType<NodeLlamaCpp['getLlama']>>;
type Model = Awaited<ReturnType<Llama['loadModel']>>;
type Context = Awaited<ReturnType<Model['createContext']>>;
type Sequence = ReturnType<Context['getSequence']>;

export interface LocalGgufOptions {
  modelPath: string;
  /**
   * `chat` (default): a chat session with the model's own chat template. `raw-chatml`: the prompt's ChatML text
   * (explain/llm/chatml) completed as is — the fine-tuned explainer is served with exactly the text it was trained on.
   */
  format?: 'chat' | 'raw-chatml';
  threads?: number;
  contextSize?: number;
}

export class LocalGgufLlm implements LlmClient {
  readonly name: string;
  /** The prompt this model must be given (the fine-tuned explainer's), when not the default. */
  readonly promptName: string | undefined;
  private loading: Promise<{ lib: NodeLlamaCpp; llama: Llama; model: Model }> | undefined;
  /** The one context and its one sequence; rebuilt after a failure that may have broken them. */
  private slot: Promise<{ context: Context; sequence: Sequence }> | undefined;

  constructor(private readonly o: LocalGgufOptions) {
    this.name = `local:${path.basename(o.modelPath)}`;
    this.promptName = o.format === 'raw-chatml' ? EXPLAINER_PROMPT : undefined;
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
      return { lib, llama, model };
    })();
    return this.loading;
  }

  private sequence(model: Model) {
    this.slot ??= (async () => {
      const context = await model.createContext({ threads: this.o.threads ?? 1, contextSize: this.o.contextSize ?? 2048, sequences: 1 });
      return { context, sequence: context.getSequence() };
    })();
    return this.slot;
  }

  /** Drops the context (and its sequence); the next call creates a new one. */
  private async reset(): Promise<void> {
    const slot = this.slot;
    this.slot = undefined;
    await slot?.then(({ context }) => context.dispose()).catch(() => {});
  }

  async complete(prompt: ChatPrompt, options: CompleteOptions = {}): Promise<string> {
    const { lib, model } = await this.load();
    let { sequence } = await this.sequence(model);
    if (sequence.disposed) {
      await this.reset();
      ({ sequence } = await this.sequence(model));
    }
    await sequence.clearHistory();
    const generation = {
      maxTokens: options.maxTokens ?? 120,
      temperature: options.temperature ?? 0.2,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onText ? { onTextChunk: options.onText } : {}),
    };
    // One completion per call on the model's one sequence, in either prompt format; a failure other than an abort
    // rebuilds the context, and the sequence is never disposed with the completion.
    let generate: () => Promise<string>;
    let dispose: () => void;
    if (this.o.format === 'raw-chatml') {
      const completion = new lib.LlamaCompletion({ contextSequence: sequence, autoDisposeSequence: false });
      generate = () => completion.generateCompletion(model.tokenize(chatmlText(prompt), true), { ...generation, customStopTriggers: [CHATML_END, '\n'] });
      dispose = () => completion.dispose({ disposeSequence: false });
    } else {
      const session = new lib.LlamaChatSession({ contextSequence: sequence, systemPrompt: prompt.system, autoDisposeSequence: false });
      generate = () => session.prompt(prompt.user, generation);
      dispose = () => session.dispose({ disposeSequence: false });
    }
    try {
      return await generate();
    } catch (error) {
      if (!options.signal?.aborted) await this.reset();
      throw error;
    } finally {
      dispose();
    }
  }

  async close(): Promise<void> {
    if (!this.loading) return;
    const { llama, model } = await this.loading;
    await this.reset();
    await model.dispose();
    await llama.dispose();
  }
}
