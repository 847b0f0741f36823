/**
 * @module compute/lightgcn/tf-lightgcn
 * LightGCN with TensorFlow.js ops — the path used for training when `@tensorflow/tfjs-node-gpu` is active, and a
 * cross-check of the typed-array kernels (same Â, same E⁰ → same final embeddings to ~1e-5).
 * Sparse × dense is `unsortedSegmentSum(gather(X, cols) · vals, rows, n)`; the BPR gradient is the hand-derived one
 * (tfjs-core registers no autodiff gradients under plain Node ESM), applied with tfjs's Adam.
 * Every tensor block runs inside `tf.tidy`; what escapes (variables, constant graph tensors) is freed by `dispose()`.
 *
 * Shapes: E⁰ variable [n, d]; score(users, items) → Float32Array[pairs]; scoreAll(users) → [users.length × nItems].
 */
import type { Rank, Scalar, Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import type { Optimizer } from '@tensorflow/tfjs-core';
import { AppError } from '../../core/errors.ts';
import type { TfModule } from '../tf-backend.ts';
import type { TripletBatch } from './bpr.ts';
import type { Adjacency } from './graph.ts';
import type { Recommender } from './types.ts';

export interface TfLightGcnOptions {
  embeddingSize: number;
  nLayers: number;
  /**
   * How rows are summed: 'scatter' (`scatterND`, one pass over the non-zeros — used on tfjs's CPU backend, whose
   * `unsortedSegmentSum` loops once per segment), 'segment' (`unsortedSegmentSum`, differentiable, native on
   * tfjs-node-gpu). Default: 'scatter' on the 'cpu' backend, 'segment' elsewhere.
   */
  sumOp?: 'scatter' | 'segment';
}

export class TfLightGcn implements Recommender {
  readonly nUsers: number;
  readonly nItems: number;
  readonly n: number;
  readonly d: number;
  readonly nLayers: number;
  readonly e0: Variable<Rank.R2>;
  private readonly rows: Tensor1D;
  private readonly cols: Tensor1D;
  private readonly vals: Tensor2D;
  private readonly rows2d: Tensor2D;
  private readonly sumOp: 'scatter' | 'segment';
  private optimizer: Optimizer | null = null;
  private optimizerLr = 0;
  private disposed = false;

  constructor(
    private readonly tf: TfModule,
    adjacency: Adjacency,
    e0: Float32Array,
    options: TfLightGcnOptions,
  ) {
    const { embeddingSize: d, nLayers } = options;
    if (e0.length !== adjacency.n * d) throw new AppError('BAD_REQUEST', 'compute/tf-lightgcn: E0 must hold n × embeddingSize floats');
    this.nUsers = adjacency.nUsers;
    this.nItems = adjacency.nItems;
    this.n = adjacency.n;
    this.d = d;
    this.nLayers = nLayers;
    const nnz = adjacency.indices.length;
    const rows = new Int32Array(nnz);
    for (let r = 0; r < adjacency.n; r++) rows.fill(r, adjacency.indptr[r]!, adjacency.indptr[r + 1]!);
    this.rows = tf.tensor1d(rows, 'int32');
    this.rows2d = tf.tensor2d(rows, [nnz, 1], 'int32');
    this.sumOp = options.sumOp ?? (tf.getBackend() === 'cpu' ? 'scatter' : 'segment');
    this.cols = tf.tensor1d(adjacency.indices, 'int32');
    this.vals = tf.tensor2d(adjacency.values, [nnz, 1]);
    const init = tf.tensor2d(e0, [adjacency.n, d]);
    this.e0 = tf.variable(init, true, undefined, 'float32');
    init.dispose();
  }

  private assertLive(): void {
    if (this.disposed) throw new AppError('BAD_REQUEST', 'compute/tf-lightgcn: model already disposed');
  }

  /** Sums rows of `values` ([m, d]) into n rows by `ids` (call inside a tidy). */
  private sumRows(values: Tensor2D, ids: Tensor1D): Tensor2D {
    const tf = this.tf;
    if (this.sumOp === 'segment') return tf.unsortedSegmentSum(values, ids, this.n) as Tensor2D;
    const ids2d = ids === this.rows ? this.rows2d : (tf.reshape(ids, [-1, 1]) as Tensor2D);
    return tf.scatterND(ids2d, values, [this.n, this.d]) as Tensor2D;
  }

  /** Â · x (call inside a tidy). */
  spmm(x: Tensor2D): Tensor2D {
    const tf = this.tf;
    return this.sumRows(tf.mul(tf.gather(x, this.cols), this.vals) as Tensor2D, this.rows);
  }

  /** Σ_k Âᵏ x / (L + 1) (call inside a tidy). */
  propagateTensor(x: Tensor2D): Tensor2D {
    const tf = this.tf;
    let cur = x;
    let sum = x;
    for (let k = 1; k <= this.nLayers; k++) {
      cur = this.spmm(cur);
      sum = tf.add(sum, cur);
    }
    return tf.div(sum, this.nLayers + 1);
  }

  /** Final embeddings [n × d] as a Float32Array. */
  finalEmbeddings(): Float32Array {
    this.assertLive();
    const out = this.tf.tidy(() => this.propagateTensor(this.e0));
    const data = out.dataSync() as Float32Array;
    out.dispose();
    return Float32Array.from(data);
  }

  score(users: Int32Array, items: Int32Array): Float32Array {
    this.assertLive();
    if (users.length !== items.length) throw new AppError('BAD_REQUEST', 'compute/tf-lightgcn: users and items differ in length');
    const tf = this.tf;
    const res = tf.tidy(() => {
      const F = this.propagateTensor(this.e0);
      const u = tf.gather(F, tf.tensor1d(users, 'int32'));
      const i = tf.gather(F, tf.add(tf.tensor1d(items, 'int32'), tf.scalar(this.nUsers, 'int32')));
      return tf.sum(tf.mul(u, i), 1);
    });
    const out = Float32Array.from(res.dataSync() as Float32Array);
    res.dispose();
    return out;
  }

  scoreAll(users: Int32Array, out: Float32Array = new Float32Array(users.length * this.nItems)): Float32Array {
    this.assertLive();
    const tf = this.tf;
    const res = tf.tidy(() => {
      const F = this.propagateTensor(this.e0);
      const u = tf.gather(F, tf.tensor1d(users, 'int32'));
      const items = tf.slice(F, [this.nUsers, 0], [this.nItems, this.d]);
      return tf.matMul(u, items, false, true);
    });
    out.set(res.dataSync() as Float32Array);
    res.dispose();
    return out;
  }

  /** BPR + L2 loss of a batch as a scalar tensor (call inside a tidy or a minimize closure). */
  lossTensor(batch: TripletBatch, regWeight: number): Scalar {
    const tf = this.tf;
    const B = batch.size;
    const users = tf.tensor1d(batch.users.subarray(0, B), 'int32');
    const pos = tf.add(tf.tensor1d(batch.pos.subarray(0, B), 'int32'), tf.scalar(this.nUsers, 'int32'));
    const neg = tf.add(tf.tensor1d(batch.neg.subarray(0, B), 'int32'), tf.scalar(this.nUsers, 'int32'));
    const F = this.propagateTensor(this.e0);
    const fu = tf.gather(F, users);
    const x = tf.sum(tf.mul(fu, tf.sub(tf.gather(F, pos), tf.gather(F, neg))), 1);
    const bpr = tf.mean(tf.softplus(tf.neg(x)));
    const sq = (idx: Tensor) => tf.sum(tf.square(tf.gather(this.e0, idx as Tensor1D)));
    const reg = tf.div(tf.mul(0.5, tf.add(tf.add(sq(users), sq(pos)), sq(neg))), B);
    return tf.add(bpr, tf.mul(regWeight, reg)) as Scalar;
  }

  /**
   * Loss and ∂loss/∂E⁰ with the hand-derived gradient (the same formulas as `bpr.ts`, in tensor ops), so training
   * needs no autodiff registry: ∂ℓ/∂E⁰ = Σ_k α_k Âᵏ ∂ℓ/∂F + (λ/B)·e⁰ per batch occurrence. Call inside a tidy.
   */
  gradTensor(batch: TripletBatch, regWeight: number): { loss: Scalar; grad: Tensor2D } {
    const tf = this.tf;
    const B = batch.size;
    const users = tf.tensor1d(batch.users.subarray(0, B), 'int32');
    const pos = tf.add(tf.tensor1d(batch.pos.subarray(0, B), 'int32'), tf.scalar(this.nUsers, 'int32')) as Tensor1D;
    const neg = tf.add(tf.tensor1d(batch.neg.subarray(0, B), 'int32'), tf.scalar(this.nUsers, 'int32')) as Tensor1D;
    const F = this.propagateTensor(this.e0);
    const fu = tf.gather(F, users);
    const diff = tf.sub(tf.gather(F, pos), tf.gather(F, neg));
    const x = tf.sum(tf.mul(fu, diff), 1);
    const bpr = tf.mean(tf.softplus(tf.neg(x)));
    const coef = tf.reshape(tf.div(tf.neg(tf.sigmoid(tf.neg(x))), B), [B, 1]);
    const rowsIdx = tf.concat([users, pos, neg]) as Tensor1D;
    const gRows = tf.concat([tf.mul(coef, diff), tf.mul(coef, fu), tf.mul(tf.neg(coef), fu)]);
    const gF = this.sumRows(gRows as Tensor2D, rowsIdx);
    let grad = this.propagateTensor(gF);
    const ego = tf.gather(this.e0, rowsIdx);
    const reg = tf.div(tf.mul(0.5, tf.sum(tf.square(ego))), B);
    if (regWeight !== 0) grad = tf.add(grad, this.sumRows(tf.mul(ego, regWeight / B) as Tensor2D, rowsIdx)) as Tensor2D;
    return { loss: tf.add(bpr, tf.mul(regWeight, reg)) as Scalar, grad };
  }

  /** Loss value and ∂loss/∂E⁰ as a Float32Array (cross-check of the typed-array gradient). */
  lossAndGrad(batch: TripletBatch, regWeight: number): { loss: number; grad: Float32Array } {
    this.assertLive();
    const { loss, grad } = this.tf.tidy(() => this.gradTensor(batch, regWeight));
    const out = { loss: (loss.dataSync() as Float32Array)[0]!, grad: Float32Array.from(grad.dataSync() as Float32Array) };
    loss.dispose();
    grad.dispose();
    return out;
  }

  /** One Adam step on a batch (hand-derived gradient); returns the loss before the step. */
  trainStep(batch: TripletBatch, regWeight: number, learningRate: number): number {
    this.assertLive();
    const tf = this.tf;
    if (!this.optimizer) this.optimizer = tf.train.adam(learningRate, 0.9, 0.999, 1e-8);
    if (this.optimizerLr !== learningRate) {
      (this.optimizer as unknown as { learningRate: number }).learningRate = learningRate;
      this.optimizerLr = learningRate;
    }
    const optimizer = this.optimizer;
    const loss = tf.tidy(() => {
      const r = this.gradTensor(batch, regWeight);
      optimizer.applyGradients({ [this.e0.name]: r.grad });
      return r.loss;
    });
    const value = (loss.dataSync() as Float32Array)[0]!;
    loss.dispose();
    return value;
  }

  /** Ego embeddings E⁰ [n × d] as a Float32Array. */
  egoEmbeddings(): Float32Array {
    this.assertLive();
    return Float32Array.from(this.e0.dataSync() as Float32Array);
  }

  /** Frees every tensor this model holds (variables, graph constants, optimiser slots). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.optimizer?.dispose();
    this.e0.dispose();
    this.rows.dispose();
    this.rows2d.dispose();
    this.cols.dispose();
    this.vals.dispose();
  }
}
