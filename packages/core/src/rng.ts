/**
 * A source of randomness that every stochastic part of asng draws from, so a
 * run is reproducible from its seed and resumable from its serialised state.
 */
export interface RandomSource {
  /** A uniform double in `[0, 1)` with 53 random bits. */
  uniform(): number;
  /** A standard normal deviate, `N(0, 1)`. */
  normal(): number;
  /** A uniform integer in `[0, n)`; `n` must be a positive safe integer below `2**32`. */
  int(n: number): number;
  /** A uniform 32-bit unsigned integer. */
  uint32(): number;
  /** The complete state, as plain JSON, from which {@link RandomSource.setState} resumes the exact stream. */
  getState(): RngState;
  /** Restores a state returned by {@link RandomSource.getState}. */
  setState(state: RngState): void;
}

/** Serialised state of {@link Rng}: plain JSON. */
export interface RngState {
  /** Generator algorithm; only `'xoshiro128**'` exists today. */
  readonly algorithm: 'xoshiro128**';
  /** The four 32-bit words of the generator. */
  readonly words: readonly [number, number, number, number];
  /** The second deviate of the last Box-Muller pair, if it has not been used yet. */
  readonly spareNormal: number | null;
}

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

function splitMix32(seed: number): () => number {
  let z = seed >>> 0;
  return () => {
    z = (z + 0x9e3779b9) >>> 0;
    let t = z;
    t = Math.imul(t ^ (t >>> 16), 0x21f0aaad);
    t = Math.imul(t ^ (t >>> 15), 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
}

/**
 * Seeded xoshiro128** generator (Blackman and Vigna), seeded through
 * SplitMix32. Fast in JavaScript (32-bit integer arithmetic only), with a
 * period of `2**128 - 1` and a state that serialises to four integers.
 *
 * @example
 * ```ts
 * const rng = new Rng(42);
 * const saved = rng.getState();
 * const a = rng.uniform();
 * rng.setState(saved);
 * rng.uniform() === a; // true
 * ```
 */
export class Rng implements RandomSource {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  /**
   * @param seed - any safe integer (negative and values above `2**32` are mixed in, not truncated).
   */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new RangeError(`Rng: seed must be a safe integer, got ${String(seed)}`);
    }
    const high = Math.floor(seed / TWO_POW_32);
    const next = splitMix32((seed >>> 0) ^ Math.imul(high | 0, 0x85ebca6b));
    // Words are kept as int32 (`| 0`): V8 then stores them as small integers, not boxed doubles.
    this.s0 = next() | 0;
    this.s1 = next() | 0;
    this.s2 = next() | 0;
    this.s3 = next() | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Restores a generator from a state returned by {@link Rng.getState}. */
  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    rng.setState(state);
    return rng;
  }

  /** The next output as a signed int32 (same bits as {@link Rng.uint32}). */
  private next(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  uint32(): number {
    return this.next() >>> 0;
  }

  uniform(): number {
    const a = this.next() >>> 5;
    const b = this.next() >>> 6;
    return (a * 67108864 + b) / TWO_POW_53;
  }

  normal(): number {
    if (this.spare !== null) {
      const value = this.spare;
      this.spare = null;
      return value;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * v;
    this.spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > TWO_POW_32) {
      throw new RangeError(`Rng.int: n must be an integer in [1, 2**32], got ${String(n)}`);
    }
    // Rejection sampling removes the modulo bias.
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let x = this.uint32();
    while (x >= limit) x = this.uint32();
    return x % n;
  }

  /**
   * A new, independent generator seeded from this one's stream. Use it to give
   * each consumer (data order, augmentation, sampling) its own stream.
   */
  fork(): Rng {
    const child = new Rng(0);
    child.s0 = this.next();
    child.s1 = this.next();
    child.s2 = this.next();
    child.s3 = this.next();
    if ((child.s0 | child.s1 | child.s2 | child.s3) === 0) child.s0 = 1;
    return child;
  }

  /** Shuffles `array` in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [index: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /** A uniformly random permutation of `0 .. n-1`. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  getState(): RngState {
    return {
      algorithm: 'xoshiro128**',
      words: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0],
      spareNormal: this.spare,
    };
  }

  setState(state: RngState): void {
    if (state === null || typeof state !== 'object' || state.algorithm !== 'xoshiro128**') {
      throw new TypeError(`Rng.setState: expected a state with algorithm 'xoshiro128**', got ${describe(state)}`);
    }
    const words: readonly number[] = state.words;
    if (!Array.isArray(words) || words.length !== 4 || !words.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32)) {
      throw new TypeError(`Rng.setState: 'words' must be four 32-bit unsigned integers, got ${describe(words)}`);
    }
    if (words.every((w) => w === 0)) {
      throw new TypeError("Rng.setState: 'words' must not all be zero");
    }
    if (state.spareNormal !== null && !Number.isFinite(state.spareNormal)) {
      throw new TypeError(`Rng.setState: 'spareNormal' must be a finite number or null, got ${describe(state.spareNormal)}`);
    }
    [this.s0, this.s1, this.s2, this.s3] = words.map((w) => w | 0) as [number, number, number, number];
    this.spare = state.spareNormal;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
