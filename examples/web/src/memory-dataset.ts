import type { Dataset, DatasetInfo, DatasetSplit, ImageShape, SplitName } from '@asng/core';

/** Images and labels of one split, image after image in HWC order. */
export interface MemorySplitData {
  readonly images: Uint8Array;
  readonly labels: Int32Array;
}

/** What {@link memoryDataset} makes a dataset of. */
export interface MemoryDatasetSpec {
  readonly name: string;
  readonly shape: ImageShape;
  readonly classNames: readonly string[];
  readonly source: string;
  readonly train: MemorySplitData;
  readonly test?: MemorySplitData;
}

/** A split held in memory, read by index. */
function memorySplit(data: MemorySplitData, shape: ImageShape, name: string): DatasetSplit {
  const pixels = shape[0] * shape[1] * shape[2];
  const size = data.labels.length;
  if (data.images.length !== size * pixels) throw new Error(`${name}: ${data.images.length} pixel bytes for ${size} labels of ${shape.join('x')} images`);
  return {
    size,
    async read(indices) {
      const images = new Uint8Array(indices.length * pixels);
      const labels = new Int32Array(indices.length);
      for (let k = 0; k < indices.length; k++) {
        const i = indices[k]!;
        if (!(Number.isInteger(i) && i >= 0 && i < size)) throw new RangeError(`${name}: index ${i} outside [0, ${size})`);
        images.set(data.images.subarray(i * pixels, (i + 1) * pixels), k * pixels);
        labels[k] = data.labels[i]!;
      }
      return { count: indices.length, shape, images, labels };
    },
  };
}

/** A labelled dataset whose splits are arrays in memory: the embedded subset, or decoded dropped images. */
export function memoryDataset(spec: MemoryDatasetSpec): Dataset {
  const splits: Partial<Record<SplitName, DatasetSplit>> = { train: memorySplit(spec.train, spec.shape, `${spec.name}/train`) };
  if (spec.test) splits.test = memorySplit(spec.test, spec.shape, `${spec.name}/test`);
  const info: DatasetInfo = {
    name: spec.name,
    shape: spec.shape,
    classes: spec.classNames.length,
    classNames: spec.classNames,
    splits: Object.fromEntries(Object.entries(splits).map(([k, v]) => [k, v.size])),
    source: spec.source,
  };
  return {
    info,
    split(name) {
      const split = splits[name];
      if (split === undefined) throw new RangeError(`${spec.name}: no split '${name}'; available: ${Object.keys(splits).join(', ')}`);
      return split;
    },
  };
}
