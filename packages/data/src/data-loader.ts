import type { Rng, DatasetSplit, ImageShape, RngState } from '@asng/core';
import { tensor1d, tensor2d, tensor4d, type Tensor1D, type Tensor2D, type Tensor4D } from '@tensorflow/tfjs-core';
import { checkAugmentOptions, drawAugmentation, renderImage, valueTable, type AugmentDraw, type AugmentOptions, type Normalization } from './augment.js';

/** How a {@link DataLoader} turns a split into batches. */
export interface DataLoaderOptions {
  /** Examples per batch. */
  readonly batchSize: number;
  /** The generator every random choice (order, augmentation) is drawn from; two independent streams are forked from it. */
  readonly rng: Rng;
  /** Reshuffles the examples at the start of every epoch. @default true */
  readonly shuffle?: boolean;
  /** Drops the last, smaller batch of each epoch. @default false */
  readonly dropRemainder?: boolean;
  /** Augmentations, drawn per image. @default none */
  readonly augment?: AugmentOptions;
  /** Normalisation after scaling to `[0, 1]`. @default none: values stay in `[0, 1]` */
  readonly normalize?: Normalization;
  /** Label encoding: `'int'` (int32, `[n]`), `'one-hot'` (float32, `[n, classes]`) or `'none'`. @default 'int' */
  readonly labels?: 'int' | 'one-hot' | 'none';
  /** Number of classes; required for one-hot labels. */
  readonly classes?: number;
  /** Number of batches read and prepared ahead of the one being consumed. @default 2 */
  readonly prefetch?: number;
}

/** A batch prepared on the CPU, before any tensor exists. */
export interface PreparedBatch {
  /** Number of examples. */
  readonly count: number;
  /** Shape of each image. */
  readonly shape: ImageShape;
  /** NHWC float32 pixels, in `[0, 1]` or normalised. */
  readonly images: Float32Array;
  /** Labels, or `null` for an unlabelled split or `labels: 'none'`. */
  readonly labels: Int32Array | null;
  /** Which examples of the split the batch holds, in order. */
  readonly indices: Int32Array;
  /** The epoch the batch belongs to. */
  readonly epoch: number;
}

/** A batch as tensors; the caller owns them and must {@link TensorBatch.dispose} them. */
export interface TensorBatch {
  /** Number of examples. */
  readonly count: number;
  /** NHWC float32 images. */
  readonly images: Tensor4D;
  /** int32 `[count]` labels, float32 `[count, classes]` one-hot labels, or `null`. */
  readonly labels: Tensor1D | Tensor2D | null;
  /** Which examples of the split the batch holds, in order. */
  readonly indices: Int32Array;
  /** The epoch the batch belongs to. */
  readonly epoch: number;
  /** Disposes both tensors. */
  dispose(): void;
}

/**
 * Where a {@link DataLoader} stands: plain JSON. Restoring it with
 * {@link DataLoader.setState} continues with exactly the batches that would
 * have come next.
 */
export interface DataLoaderState {
  /** Format version. */
  readonly version: 1;
  /** Size of the split it was taken on; restoring on another size fails. */
  readonly size: number;
  /** Batch size it was taken with; restoring with another fails. */
  readonly batchSize: number;
  /** The current epoch, from 0. */
  readonly epoch: number;
  /** Examples of the current epoch already delivered. */
  readonly position: number;
  /** The order generator as it was before drawing this epoch's permutation. */
  readonly orderRng: RngState;
  /** The augmentation generator, after the last delivered batch. */
  readonly augmentRng: RngState;
}

interface Plan {
  readonly indices: Int32Array;
  readonly draws: readonly AugmentDraw[];
  readonly epoch: number;
  readonly stateAfter: DataLoaderState;
}

/**
 * Batches of a {@link DatasetSplit} for training: seeded shuffling per epoch,
 * augmentation, prefetching, and a serialisable position.
 *
 * Reading and augmentation of the next `prefetch` batches run while the
 * current one is in use; tensors are created only when a batch is handed
 * out, so nothing prefetched can leak. The state reflects the batches handed
 * out, not those prefetched.
 *
 * @example
 * ```ts
 * const loader = new DataLoader(dataset.split('train'), { batchSize: 64, rng: new Rng(0), augment: { crop: { padding: 4 }, flip: true } });
 * for await (const batch of loader.epoch()) {
 *   // ... train on batch.images, batch.labels
 *   batch.dispose();
 * }
 * const saved = loader.getState(); // JSON; later: loader.setState(saved)
 * ```
 */
export class DataLoader {
  /** Number of examples in the split. */
  readonly size: number;
  /** Batches in each epoch. */
  readonly batchesPerEpoch: number;
  private readonly shape: ImageShape;
  private readonly options: DataLoaderOptions;
  private readonly lut: Float32Array;
  private readonly orderRng: Rng;
  private readonly augmentRng: Rng;
  private readonly epochLength: number;
  private epochNumber = 0;
  private position = 0;
  private orderStart: RngState;
  private order: Int32Array | null = null;
  private queue: { plan: Plan; prepared: Promise<PreparedBatch> }[] = [];
  private committed: DataLoaderState;

  /**
   * @param split - the examples; use {@link subsetSplit} for a part of one.
   * @param shape - shape of each image (the dataset's `info.shape`).
   */
  constructor(
    private readonly split: DatasetSplit,
    shape: ImageShape,
    options: DataLoaderOptions,
  ) {
    const { batchSize } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    if (split.size < 1) throw new RangeError('DataLoader: the split is empty');
    if (options.dropRemainder && split.size < batchSize) throw new RangeError(`DataLoader: ${split.size} examples make no full batch of ${batchSize}`);
    const labels = options.labels ?? 'int';
    if (labels === 'one-hot' && !(Number.isInteger(options.classes) && options.classes! > 0)) {
      throw new RangeError(`DataLoader: one-hot labels need a positive integer 'classes', got ${String(options.classes)}`);
    }
    const prefetch = options.prefetch ?? 2;
    if (!Number.isInteger(prefetch) || prefetch < 0) throw new RangeError(`DataLoader: prefetch must be a non-negative integer, got ${prefetch}`);
    checkAugmentOptions(options.augment, options.normalize, shape);
    this.size = split.size;
    this.shape = shape;
    this.options = options;
    this.lut = valueTable(shape[2], options.normalize);
    this.orderRng = options.rng.fork();
    this.augmentRng = options.rng.fork();
    this.epochLength = options.dropRemainder ? split.size - (split.size % batchSize) : split.size;
    this.batchesPerEpoch = Math.ceil(this.epochLength / batchSize);
    this.orderStart = this.orderRng.getState();
    this.committed = this.snapshot();
  }

  /** The epoch of the next batch handed out. */
  get epochIndex(): number {
    return this.committed.position >= this.epochLength ? this.committed.epoch + 1 : this.committed.epoch;
  }

  /** The next batch as plain arrays, crossing into the next epoch as needed. */
  async nextPrepared(): Promise<PreparedBatch> {
    this.fill(1);
    const head = this.queue.shift()!;
    this.fill(0);
    const prepared = await head.prepared;
    this.committed = head.plan.stateAfter;
    return prepared;
  }

  /** The next batch as tensors, crossing into the next epoch as needed. The caller disposes it. */
  async next(): Promise<TensorBatch> {
    const batch = await this.nextPrepared();
    const [height, width, channels] = batch.shape;
    const images = tensor4d(batch.images, [batch.count, height, width, channels], 'float32');
    let labels: Tensor1D | Tensor2D | null = null;
    if (batch.labels !== null) {
      if ((this.options.labels ?? 'int') === 'one-hot') {
        const classes = this.options.classes!;
        const oneHot = new Float32Array(batch.count * classes);
        for (let i = 0; i < batch.count; i++) oneHot[i * classes + batch.labels[i]!] = 1;
        labels = tensor2d(oneHot, [batch.count, classes], 'float32');
      } else {
        labels = tensor1d(batch.labels, 'int32');
      }
    }
    return {
      count: batch.count,
      images,
      labels,
      indices: batch.indices,
      epoch: batch.epoch,
      dispose() {
        images.dispose();
        labels?.dispose();
      },
    };
  }

  /** The remaining batches of the current epoch (all of the next one if the current is complete). */
  async *epoch(): AsyncGenerator<TensorBatch, void, undefined> {
    const epoch = this.epochIndex;
    while (this.epochIndex === epoch) yield await this.next();
  }

  /** Same as {@link DataLoader.epoch}. */
  [Symbol.asyncIterator](): AsyncGenerator<TensorBatch, void, undefined> {
    return this.epoch();
  }

  /** Where the loader stands after the last batch handed out. */
  getState(): DataLoaderState {
    return this.committed;
  }

  /** Continues from a state returned by {@link DataLoader.getState}; prefetched batches are dropped. */
  setState(state: DataLoaderState): void {
    if (state?.version !== 1) throw new TypeError(`DataLoader.setState: expected a version 1 state, got ${JSON.stringify(state)}`);
    if (state.size !== this.size || state.batchSize !== this.options.batchSize) {
      throw new RangeError(
        `DataLoader.setState: the state is for ${state.size} examples in batches of ${state.batchSize}, this loader has ${this.size} in batches of ${this.options.batchSize}`,
      );
    }
    if (!Number.isInteger(state.epoch) || state.epoch < 0 || !Number.isInteger(state.position) || state.position < 0 || state.position > this.epochLength) {
      throw new RangeError(`DataLoader.setState: epoch ${state.epoch} and position ${state.position} are not valid for an epoch of ${this.epochLength}`);
    }
    this.orderRng.setState(state.orderRng);
    this.augmentRng.setState(state.augmentRng);
    this.queue = [];
    this.epochNumber = state.epoch;
    this.position = state.position;
    this.orderStart = state.orderRng;
    this.order = null;
    this.committed = state;
  }

  /** Drops prefetched batches; the loader stays usable. */
  close(): void {
    this.queue = [];
  }

  private fill(minimum: number): void {
    const target = Math.max(minimum, this.options.prefetch ?? 2);
    while (this.queue.length < target) {
      const plan = this.plan();
      const prepared = this.prepare(plan);
      // A prefetched batch that fails reports its error when it is consumed, not as an unhandled rejection.
      prepared.catch(() => undefined);
      this.queue.push({ plan, prepared });
    }
  }

  /** Draws (or, after a restore, redraws) the current epoch's permutation. */
  private currentOrder(): Int32Array {
    if (this.order === null) {
      this.orderRng.setState(this.orderStart);
      this.order = this.options.shuffle === false ? Int32Array.from({ length: this.size }, (_, i) => i) : this.orderRng.permutation(this.size);
    }
    return this.order;
  }

  private plan(): Plan {
    if (this.position >= this.epochLength) {
      this.currentOrder();
      this.epochNumber += 1;
      this.position = 0;
      this.order = null;
      this.orderStart = this.orderRng.getState();
    }
    const end = Math.min(this.position + this.options.batchSize, this.epochLength);
    const indices = this.currentOrder().slice(this.position, end);
    const draws = Array.from(indices, () => drawAugmentation(this.options.augment, this.shape, this.augmentRng));
    const epoch = this.epochNumber;
    this.position = end;
    return { indices, draws, epoch, stateAfter: this.snapshot() };
  }

  private snapshot(): DataLoaderState {
    return {
      version: 1,
      size: this.size,
      batchSize: this.options.batchSize,
      epoch: this.epochNumber,
      position: this.position,
      orderRng: this.orderStart,
      augmentRng: this.augmentRng.getState(),
    };
  }

  private async prepare(plan: Plan): Promise<PreparedBatch> {
    const examples = await this.split.read(plan.indices);
    const shape = this.shape;
    if (examples.shape[0] !== shape[0] || examples.shape[1] !== shape[1] || examples.shape[2] !== shape[2]) {
      throw new RangeError(`DataLoader: the split returned ${examples.shape.join('x')} images, expected ${shape.join('x')}`);
    }
    const pixels = shape[0] * shape[1] * shape[2];
    const images = new Float32Array(examples.count * pixels);
    const cutout = this.options.augment?.cutout?.size ?? 0;
    for (let i = 0; i < examples.count; i++) {
      renderImage(examples.images, i * pixels, shape, plan.draws[i]!, cutout, this.lut, images, i * pixels);
    }
    const labels = (this.options.labels ?? 'int') === 'none' ? null : examples.labels;
    if (labels !== null && this.options.labels === 'one-hot') {
      const classes = this.options.classes!;
      for (let i = 0; i < labels.length; i++) {
        if (labels[i]! < 0 || labels[i]! >= classes)
          throw new RangeError(`DataLoader: label ${labels[i]} of example ${plan.indices[i]} is outside [0, ${classes})`);
      }
    }
    return { count: examples.count, shape, images, labels, indices: plan.indices, epoch: plan.epoch };
  }
}
