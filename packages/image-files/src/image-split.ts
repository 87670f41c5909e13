import { availableParallelism } from 'node:os';
import type { DatasetSplit, ExampleBatch, ImageShape } from '@asng/core';
import { checkIndices, type DatasetFormatError } from '@asng/dataset-files';
import { decodeImage, type ImageTransform } from './decode.js';
import { DecodedImageCache } from './decoded-cache.js';

/**
 * A split of image files decoded on demand: a read decodes only the images
 * it asks for, at most `concurrency` at a time, and keeps at most
 * `cacheSize` decoded images (least recently used first out), so memory is
 * bounded however many files the split has.
 *
 * With a `diskCache` directory, every decoded image is also written to a
 * {@link DecodedImageCache} file; once each image has been decoded once,
 * reads copy bytes from that file straight into the batch and decode nothing.
 */
export class ImageFileSplit implements DatasetSplit {
  readonly size: number;
  readonly shape: ImageShape;
  private readonly cache = new Map<number, Uint8Array>();
  private readonly pending = new Map<number, Promise<Uint8Array>>();
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private disk: Promise<DecodedImageCache> | null = null;

  /**
   * @param files - full paths, one per example.
   * @param cacheSize - decoded images kept in memory.
   * @param concurrency - decodes running at once.
   * @param diskCache - directory of the decoded-image cache file; none when absent.
   */
  constructor(
    readonly files: readonly string[],
    private readonly transform: ImageTransform,
    private readonly cacheSize: number,
    private readonly concurrency: number = Math.min(8, availableParallelism()),
    private readonly diskCache?: string,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`ImageFileSplit: concurrency must be a positive integer, got ${concurrency}`);
    this.size = files.length;
    this.shape = [transform.size, transform.size, 3];
  }

  /** Number of decoded images held right now; never above the cache size. */
  get cached(): number {
    return this.cache.size;
  }

  /**
   * The decoded-image cache file, opened (or started) on first use, or
   * `null` without a `diskCache` directory.
   */
  async diskFile(): Promise<DecodedImageCache | null> {
    if (this.diskCache === undefined) return null;
    this.disk ??= DecodedImageCache.open(this.diskCache, this.files, this.transform);
    return this.disk;
  }

  async read(indices: ArrayLike<number>): Promise<ExampleBatch> {
    checkIndices(indices, this.size);
    const disk = await this.diskFile();
    const pixels = this.shape[0] * this.shape[1] * 3;
    const images = new Uint8Array(indices.length * pixels);
    await Promise.all(Array.from(indices, (index, i) => this.fill(index, images, i * pixels, disk)));
    return { count: indices.length, shape: this.shape, images, labels: null };
  }

  /**
   * Decodes every image not yet in the disk cache, `concurrency` at a time,
   * so that the cache is complete before training starts and no epoch waits
   * for decoding. Memory stays bounded as in {@link ImageFileSplit.read}.
   *
   * @param onProgress - called after each image with the number done and the total.
   * @throws Error if the split has no `diskCache` directory; {@link DatasetFormatError} naming an unreadable image.
   */
  async prepare(onProgress?: (done: number, total: number) => void): Promise<void> {
    const disk = await this.diskFile();
    if (disk === null) throw new Error('ImageFileSplit.prepare: the split has no diskCache directory to fill');
    let next = 0;
    let done = 0;
    const worker = async (): Promise<void> => {
      while (next < this.size) {
        const index = next++;
        if (!disk.has(index)) await this.image(index, disk);
        onProgress?.(++done, this.size);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, Math.max(this.size, 1)) }, worker));
  }

  /** Forgets every decoded image held in memory. */
  clear(): void {
    this.cache.clear();
  }

  /** Forgets decoded images and closes the disk cache file (an incomplete one is deleted). */
  async close(): Promise<void> {
    this.clear();
    const disk = this.disk;
    this.disk = null;
    if (disk !== null) await (await disk.catch(() => null))?.close();
  }

  private async fill(index: number, target: Uint8Array, offset: number, disk: DecodedImageCache | null): Promise<void> {
    const hit = this.cache.get(index);
    if (hit !== undefined) {
      this.cache.delete(index);
      this.cache.set(index, hit);
      target.set(hit, offset);
    } else if (disk?.has(index)) {
      await disk.readInto(index, target, offset);
    } else {
      target.set(await this.image(index, disk), offset);
    }
  }

  private image(index: number, disk: DecodedImageCache | null): Promise<Uint8Array> {
    let job = this.pending.get(index);
    if (job === undefined) {
      job = this.decode(index, disk).finally(() => this.pending.delete(index));
      this.pending.set(index, job);
    }
    return job;
  }

  private async decode(index: number, disk: DecodedImageCache | null): Promise<Uint8Array> {
    if (this.active >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      const pixels = await decodeImage(this.files[index]!, this.transform);
      await disk?.write(index, pixels);
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
