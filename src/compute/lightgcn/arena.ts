/**
 * @module compute/lightgcn/arena
 * A bump allocator over one shared `WebAssembly.Memory`: every large array of a LightGCN model (adjacency, embeddings,
 * gradients, Adam moments, score blocks) lives here, so the WebAssembly kernels address it by byte offset, worker
 * threads can share it (the buffer is a SharedArrayBuffer), and JavaScript sees it through typed-array views.
 * Growing a shared memory never detaches earlier views, so a view stays valid for the arena's lifetime.
 */
import { AppError } from '../../core/errors.ts';
import { wasmApi, type WasmMemory } from './wasm-kernels.ts';

const PAGE = 65536;
const MAX_PAGES = 65536;

/** A Float32 array in an arena: `ptr` is its byte offset, `view` the JS view. */
export interface F32Buf {
  ptr: number;
  view: Float32Array;
}

/** An Int32 array in an arena. */
export interface I32Buf {
  ptr: number;
  view: Int32Array;
}

export class Arena {
  readonly memory: WasmMemory;
  private top = 64;

  /** @param initialBytes bytes to reserve up front (grown on demand). */
  constructor(initialBytes = PAGE) {
    const pages = Math.max(1, Math.ceil(initialBytes / PAGE));
    if (pages > MAX_PAGES) throw new AppError('BAD_REQUEST', 'compute/arena: more than 4 GiB requested');
    this.memory = new wasmApi.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
  }

  /** Bytes allocated so far. */
  get used(): number {
    return this.top;
  }

  private reserve(bytes: number): number {
    const ptr = this.top;
    const end = ptr + Math.ceil(bytes / 64) * 64;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      if (have / PAGE + pages > MAX_PAGES) throw new AppError('BAD_REQUEST', 'compute/arena: more than 4 GiB requested');
      this.memory.grow(pages);
    }
    this.top = end;
    return ptr;
  }

  /** A zero-filled Float32 array of `n` elements. */
  f32(n: number): F32Buf {
    const ptr = this.reserve(n * 4);
    const view = new Float32Array(this.memory.buffer, ptr, n);
    view.fill(0);
    return { ptr, view };
  }

  /** A zero-filled Int32 array of `n` elements. */
  i32(n: number): I32Buf {
    const ptr = this.reserve(n * 4);
    const view = new Int32Array(this.memory.buffer, ptr, n);
    view.fill(0);
    return { ptr, view };
  }
}
