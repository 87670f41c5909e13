import type { Dataset, DatasetSplit, ExampleBatch } from '@asng/core';

/**
 * A view of `dataset` whose images are zero-padded, centred, to
 * `height x width` (Fashion-MNIST's 28x28 to 32x32, as in the paper's
 * inpainting experiments). Labels and splits are unchanged.
 */
export function padDataset(dataset: Dataset, height: number, width: number): Dataset {
  const [h, w, c] = dataset.info.shape;
  if (height < h || width < w) throw new RangeError(`padDataset: cannot pad ${h}x${w} images to the smaller ${height}x${width}`);
  const [top, left] = [Math.floor((height - h) / 2), Math.floor((width - w) / 2)];
  const pad = (batch: ExampleBatch): ExampleBatch => {
    const out = new Uint8Array(batch.count * height * width * c);
    for (let i = 0; i < batch.count; i++) {
      for (let y = 0; y < h; y++) {
        const from = (i * h + y) * w * c;
        out.set(batch.images.subarray(from, from + w * c), ((i * height + top + y) * width + left) * c);
      }
    }
    return { count: batch.count, shape: [height, width, c], images: out, labels: batch.labels };
  };
  return {
    info: { ...dataset.info, name: `${dataset.info.name}-${height}x${width}`, shape: [height, width, c] },
    split(name): DatasetSplit {
      const inner = dataset.split(name);
      return { size: inner.size, read: async (indices) => pad(await inner.read(indices)) };
    },
    ...(dataset.close ? { close: () => dataset.close!() } : {}),
  };
}
