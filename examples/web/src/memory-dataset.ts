import type { Dataset, DatasetInfo, DatasetSplit, ImageShape, SplitName } from '@asng/core';
import { InMemorySplit } from '@asng/dataset-files/browser';

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

/** A split held in memory (dataset-files' InMemorySplit), its errors naming the split. */
function memorySplit(data: MemorySplitData, shape: ImageShape, name: string): DatasetSplit {
  try {
    return new InMemorySplit(shape, data.images, data.labels);
  } catch (error) {
    throw new RangeError(`${name}: ${(error as Error).message}`, { cause: error });
  }
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
