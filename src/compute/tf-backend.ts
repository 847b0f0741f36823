/**
 * @module compute/tf-backend
 * Chooses the TensorFlow.js backend once, at start: `@tensorflow/tfjs-node-gpu` (CUDA; an optional dependency that is
 * usually absent — imported dynamically inside try/catch) when it loads and `prefer` allows it, otherwise the pure-JS
 * CPU backend of tfjs-core (`@tensorflow/tfjs-backend-cpu`). Awaits `tf.ready()` and logs `tf.getBackend()`.
 *
 * Dense LightGCN *training* uses the tfjs path only on the GPU backend: on the CPU the hand-written sparse kernels
 * (`compute/lightgcn`) are far faster (measured here: tfjs-cpu needs minutes per ML-100K epoch).
 *
 * @example
 *   const { tf, backend, gpu } = await initBackend({ prefer: 'auto' });
 */
import * as tfCore from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { AppError } from '../core/errors.ts';
import { log } from '../core/log.ts';

export type TfModule = typeof tfCore;
export type BackendPreference = 'auto' | 'gpu' | 'cpu';

export interface TfBackend {
  tf: TfModule;
  /** `tf.getBackend()` after initialisation: 'tensorflow' (tfjs-node-gpu) or 'cpu'. */
  backend: string;
  /** True when the CUDA backend from tfjs-node-gpu is active. */
  gpu: boolean;
}

let current: Promise<TfBackend> | null = null;
let currentPreference: BackendPreference | null = null;

/** Module name kept in a variable so bundlers and the type checker do not require the optional package. */
const GPU_PACKAGE = '@tensorflow/tfjs-node-gpu';

async function tryLoadGpu(): Promise<TfModule | null> {
  try {
    const mod = (await import(GPU_PACKAGE)) as TfModule & { default?: TfModule };
    return (mod.default ?? mod) as TfModule;
  } catch (error) {
    log.info('tf-backend: @tensorflow/tfjs-node-gpu not available, using the CPU path', { reason: (error as Error).message.split('\n')[0] });
    return null;
  }
}

async function init(prefer: BackendPreference): Promise<TfBackend> {
  if (prefer !== 'cpu') {
    const gpuTf = await tryLoadGpu();
    if (gpuTf) {
      try {
        if (gpuTf.getBackend() !== 'tensorflow') await gpuTf.setBackend('tensorflow');
        await gpuTf.ready();
        const backend = gpuTf.getBackend();
        log.info('tf-backend: ready', { backend, gpu: true });
        return { tf: gpuTf, backend, gpu: true };
      } catch (error) {
        log.warn('tf-backend: tfjs-node-gpu loaded but its backend failed; using the CPU path', { reason: (error as Error).message });
      }
    }
    if (prefer === 'gpu') throw new AppError('DEPENDENCY_MISSING', 'tf-backend: prefer=gpu but @tensorflow/tfjs-node-gpu could not be loaded');
  }
  const ok = await tfCore.setBackend('cpu');
  if (!ok) throw new AppError('INTERNAL', 'tf-backend: the tfjs CPU backend could not be initialised');
  await tfCore.ready();
  const backend = tfCore.getBackend();
  log.info('tf-backend: ready', { backend, gpu: false });
  return { tf: tfCore, backend, gpu: false };
}

/** Initialises (once per process; later calls with the same preference return the same backend). */
export function initBackend(options: { prefer?: BackendPreference } = {}): Promise<TfBackend> {
  const prefer = options.prefer ?? 'auto';
  if (prefer !== 'auto' && prefer !== 'gpu' && prefer !== 'cpu') {
    return Promise.reject(new AppError('BAD_REQUEST', `tf-backend: prefer must be auto, gpu or cpu (got ${JSON.stringify(prefer)})`));
  }
  if (!current || currentPreference !== prefer) {
    currentPreference = prefer;
    current = init(prefer);
    current.catch(() => {
      current = null;
      currentPreference = null;
    });
  }
  return current;
}
