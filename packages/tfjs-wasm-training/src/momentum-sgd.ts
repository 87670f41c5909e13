import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Name of a kernel that does one step of SGD with momentum (PyTorch's
 * `torch.optim.SGD` rule) on one weight in one pass over memory:
 *
 * ```
 * g  = gradient * gradientScale + weightDecay * variable
 * v' = first ? g : momentum * velocity + g
 * w' = variable - learningRate * (nesterov ? g + momentum * v' : v')
 * ```
 *
 * Inputs `{ variable, gradient, velocity }` (float32, one shape; `velocity`
 * is not read when `first`), attributes {@link MomentumSgdUpdateAttrs},
 * outputs `[w', v']`. Each operation is rounded to float32 in the order
 * above (a scale of 1 and a weight decay of 0 skip theirs), as the same
 * rule composed of tfjs kernels rounds it, so the fused kernel gives the
 * same bits. Composed, it takes 5 to 7 kernels per weight and step, each a
 * pass over memory and, for a supernet's hundreds of small weights, mostly
 * per-kernel overhead.
 *
 * {@link registerWasmTrainingKernels} registers it for wasm; `@asng/engine`'s
 * `MomentumSgd` calls it by this name on the backends that have it.
 */
export const MomentumSgdUpdate = 'MomentumSgdUpdate';

/** The attributes of {@link MomentumSgdUpdate}. */
export interface MomentumSgdUpdateAttrs {
  /** Step size. */
  readonly learningRate: number;
  /** Momentum factor, in [0, 1). */
  readonly momentum: number;
  /** L2 weight decay added to the gradient; 0 for none. */
  readonly weightDecay: number;
  /** Factor of the gradient (global-norm clipping); 1 for none. */
  readonly gradientScale: number;
  /** Nesterov momentum. */
  readonly nesterov: boolean;
  /** The first step of this weight: the velocity becomes the gradient (`velocity` is not read). */
  readonly first: boolean;
}

/** Reads and checks the attributes, naming the bad one. */
function attributesOf(attrs: NamedAttrMap | undefined): MomentumSgdUpdateAttrs {
  const a = (attrs ?? {}) as unknown as Partial<MomentumSgdUpdateAttrs>;
  for (const name of ['learningRate', 'momentum', 'weightDecay', 'gradientScale'] as const) {
    if (typeof a[name] !== 'number' || !Number.isFinite(a[name]))
      throw new TypeError(`${MomentumSgdUpdate}: attribute ${name} must be a finite number, got ${a[name]}`);
  }
  for (const name of ['nesterov', 'first'] as const) {
    if (typeof a[name] !== 'boolean') throw new TypeError(`${MomentumSgdUpdate}: attribute ${name} must be a boolean, got ${a[name]}`);
  }
  return a as MomentumSgdUpdateAttrs;
}

/** {@link MomentumSgdUpdate} on the wasm heap. */
export const momentumSgdUpdateKernel: KernelFunc = ({ inputs, backend: b, attrs }) => {
  const backend = b as BackendWasm;
  const variable = inputs['variable'] as TensorInfo;
  const gradient = inputs['gradient'] as TensorInfo;
  const velocity = inputs['velocity'] as TensorInfo;
  const a = attributesOf(attrs);
  for (const [name, t] of [
    ['variable', variable],
    ['gradient', gradient],
    ['velocity', velocity],
  ] as const) {
    if (t === undefined) throw new TypeError(`${MomentumSgdUpdate}: input ${name} is missing`);
    if (t.dtype !== 'float32') throw new TypeError(`${MomentumSgdUpdate}: input ${name} must be float32, got ${t.dtype}`);
    if (t.shape.length !== variable.shape.length || t.shape.some((d, i) => d !== variable.shape[i])) {
      throw new RangeError(`${MomentumSgdUpdate}: input ${name} has shape [${t.shape.join(', ')}], the variable [${variable.shape.join(', ')}]`);
    }
  }
  const wOut = backend.makeOutput(variable.shape, 'float32');
  const vOut = backend.makeOutput(variable.shape, 'float32');
  const w = backend.typedArrayFromHeap(variable) as Float32Array;
  const g = backend.typedArrayFromHeap(gradient) as Float32Array;
  const v = a.first ? undefined : (backend.typedArrayFromHeap(velocity) as Float32Array);
  const w2 = backend.typedArrayFromHeap(wOut) as Float32Array;
  const v2 = backend.typedArrayFromHeap(vOut) as Float32Array;
  // The scalars as float32 tensors hold them.
  const f = Math.fround;
  const [lr, m, wd, scale] = [f(a.learningRate), f(a.momentum), f(a.weightDecay), f(a.gradientScale)];
  const scaled = a.gradientScale !== 1;
  const decayed = a.weightDecay > 0;
  for (let i = 0; i < w.length; i++) {
    const wi = w[i]!;
    let gi = g[i]!;
    if (scaled) gi = f(gi * scale);
    if (decayed) gi = f(gi + f(wi * wd));
    const vi = v === undefined ? gi : f(f(v[i]! * m) + gi);
    const direction = a.nesterov ? f(gi + f(vi * m)) : vi;
    v2[i] = vi;
    w2[i] = f(wi - f(direction * lr));
  }
  return [wOut, vOut];
};
