import { availableParallelism } from 'node:os';
import type { DatasetSplit, ExampleBatch, ImageShape } from '@asng/core';
import { checkIndices } from '@asng/dataset-files';
import { decodeImage, type ImageTransform } from './decode.js';

/**
 * A split of image files decoded on demand: a read decodes only the images
 * it asks for, at most `concurrency` at a time, and keeps at most
 * `cacheSize` decoded images (least recently used first out), so memory is
 * bounded however many files the split has.
 */
export class ImageFileSplit implements DatasetSplit {
  readonly size: number;
  readonly shape: ImageShape;
  private readonly cache = new Map<number, Uint8Array>();
  private readonly pending = new Map<number, Promise<Uint8Array>>();
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  /**
   * @param files - full paths, one per example.
   * @param cacheSize - decoded images kept in memory.
   * @param concurrency - decodes running at once.
   */
  constructor(
    readonly files: readonly string[],
    private readonly transform: ImageTransform,
    private readonly cacheSize: number,
    private readonly concurrency: number = Math.min(8, availableParallelism()),
  ) {
    this.size = files.length;
    this.shape = [transform.size, transform.size, 3];
  }

  /** Number of decoded images held right now; never above the cache size. */
  get cached(): number {
    return this.cache.size;
  }

  async read(indices: ArrayLike<number>): Promise<ExampleBatch> {
    checkIndices(indices, this.size);
    const pixels = this.shape[0] * this.shape[1] * 3;
    const images = new Uint8Array(indices.length * pixels);
    await Promise.all(
      Array.from(indices, async (index, i) => {
        images.set(await this.image(index), i * pixels);
      }),
    );
    return { count: indices.length, shape: this.shape, images, labels: null };
  }

  /** Forgets every decoded image. */
  clear(): void {
    this.cache.clear();
  }

  private image(index: number): Promise<Uint8Array> {
    const hit = this.cache.get(index);
    if (hit !== undefined) {
      this.cache.delete(index);
      this.cache.set(index, hit);
      return Promise.resolve(hit);
    }
    let job = this.pending.get(index);
    if (job === undefined) {
      job = this.decode(index).finally(() => this.pending.delete(index));
      this.pending.set(index, job);
    }
    return job;
  }

  private async decode(index: number): Promise<Uint8Array> {
    if (this.active >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      const pixels = await decodeImage(this.files[index]!, this.transform);
      if (this.cacheSize > 0) {
        this.cache.set(index, pixels);
        if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
      }
      return pixels;
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
