/**
 * @module compute/rng
 * A small seeded pseudo-random generator (xoshiro128**, seeded through splitmix32) for reproducible sampling,
 * initialisation and splits. Same seed → same sequence on every platform; no `Math.random` anywhere in compute.
 *
 * @example
 *   const rng = createRng(42);
 *   rng.int(10);      // uniform integer in [0, 10)
 *   rng.float();      // uniform in [0, 1)
 *   rng.normal(0, 1); // Gaussian (Box–Muller)
 */

export interface Rng {
  /** Uniform 32-bit unsigned integer. */
  u32(): number;
  /** Uniform float in [0, 1) with 32 bits of randomness. */
  float(): number;
  /** Uniform integer in [0, n); n ≥ 1 and ≤ 2^32. */
  int(n: number): number;
  /** Gaussian with the given mean and standard deviation. */
  normal(mean?: number, std?: number): number;
  /** Shuffles `array` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T;
  /** A new independent generator derived from this one (for per-worker streams). */
  fork(): Rng;
  /** The generator's whole state (checkpoints): `restoreRng(rng.state())` continues the same sequence. */
  state(): RngState;
}

/** xoshiro128** words and the Box–Muller spare. */
export interface RngState {
  s: [number, number, number, number];
  spare: number | null;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Creates a generator from an integer seed (any number; its low 32 bits and a hash of the high bits are used). */
export function createRng(seed: number): Rng {
  const mix = splitmix32((seed | 0) ^ Math.floor(seed / 4294967296));
  return restoreRng({ s: [mix(), mix(), mix(), mix()], spare: null });
}

/** A generator that continues from a saved `state()`. */
export function restoreRng(state: RngState): Rng {
  let [a, b, c, d] = state.s.map((w) => w >>> 0) as [number, number, number, number];
  if ((a | b | c | d) === 0) a = 1;
  let spare: number | null = state.spare;

  const u32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  const float = (): number => u32() / 4294967296;
  const rng: Rng = {
    u32,
    float,
    int: (n: number) => Math.floor(float() * n),
    normal: (mean = 0, std = 1) => {
      if (spare !== null) {
        const v = spare;
        spare = null;
        return mean + std * v;
      }
      let u = 0;
      while (u === 0) u = float();
      const v = float();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return mean + std * r * Math.cos(2 * Math.PI * v);
    },
    shuffle: (array) => {
      for (let i = array.length - 1; i > 0; i--) {
        const j = Math.floor(float() * (i + 1));
        const tmp = array[i];
        array[i] = array[j];
        array[j] = tmp;
      }
      return array;
    },
    fork: () => createRng(u32() ^ (u32() << 1)),
    state: () => ({ s: [a >>> 0, b >>> 0, c >>> 0, d >>> 0], spare }),
  };
  return rng;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
