import type { DatasetSplit, ExampleBatch, ImageShape } from '@asng/core';

/**
 * A {@link DatasetSplit} over images already in memory, `uint8` HWC one after
 * the other. Formats small enough to hold whole (MNIST, CIFAR-10) use it.
 */
export class InMemorySplit implements DatasetSplit {
  readonly size: number;
  private readonly imageBytes: number;

  /**
   * @param shape - shape of each image.
   * @param images - `size * height * width * channels` bytes.
   * @param labels - one label per image, or `null` for an unlabelled split.
   */
  constructor(
    readonly shape: ImageShape,
    private readonly images: Uint8Array,
    private readonly labels: Int32Array | null,
  ) {
    this.imageBytes = shape[0] * shape[1] * shape[2];
    if (images.length % this.imageBytes !== 0) {
      throw new RangeError(`InMemorySplit: ${images.length} bytes is not a whole number of ${shape.join('x')} images`);
    }
    this.size = images.length / this.imageBytes;
    if (labels !== null && labels.length !== this.size) {
      throw new RangeError(`InMemorySplit: ${labels.length} labels for ${this.size} images`);
    }
  }

  async read(indices: ArrayLike<number>): Promise<ExampleBatch> {
    checkIndices(indices, this.size);
    const count = indices.length;
    const images = new Uint8Array(count * this.imageBytes);
    const labels = this.labels === null ? null : new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const index = indices[i]!;
      const start = index * this.imageBytes;
      images.set(this.images.subarray(start, start + this.imageBytes), i * this.imageBytes);
      if (labels !== null) labels[i] = this.labels![index]!;
    }
    return { count, shape: this.shape, images, labels };
  }
}

/**
 * Checks that every index is an integer in `[0, size)`.
 *
 * @throws RangeError naming the first bad index.
 */
export function checkIndices(indices: ArrayLike<number>, size: number): void {
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i]!;
    if (!Number.isInteger(index) || index < 0 || index >= size) {
      throw new RangeError(`read: index ${String(index)} at position ${i} is outside [0, ${size})`);
    }
  }
}
