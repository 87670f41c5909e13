/** The standard splits of a dataset. */
export type SplitName = 'train' | 'test';

/** Image shape, `[height, width, channels]`. */
export type ImageShape = readonly [height: number, width: number, channels: number];

/** What a loaded dataset holds. */
export interface DatasetInfo {
  /** Identifier, for example `'fashion-mnist'`, `'cifar10'`, `'celeba'`. */
  readonly name: string;
  /** Shape of every image. */
  readonly shape: ImageShape;
  /** Number of classes, `0` for an unlabelled set (CelebA for inpainting). */
  readonly classes: number;
  /** Class names, when known, indexed by label. */
  readonly classNames?: readonly string[];
  /** Number of examples in each available split. */
  readonly splits: Readonly<Partial<Record<SplitName, number>>>;
  /** Where the data was found: a directory, an archive, or `'embedded'`. */
  readonly source: string;
}

/** A batch of raw examples: `uint8` pixels, NHWC, with their labels. */
export interface ExampleBatch {
  /** Number of examples. */
  readonly count: number;
  /** Shape of each image. */
  readonly shape: ImageShape;
  /** `count * height * width * channels` bytes, image after image, each in HWC order. */
  readonly images: Uint8Array;
  /** Class index of each image, or `null` for an unlabelled set. */
  readonly labels: Int32Array | null;
}

/**
 * One split of a dataset, read by index. In-memory formats answer at once;
 * streamed formats (JPEG folders) decode the requested images only, so memory
 * stays bounded however large the split.
 */
export interface DatasetSplit {
  /** Number of examples. */
  readonly size: number;
  /** Reads the examples at `indices` (each in `[0, size)`), in that order. */
  read(indices: ArrayLike<number>): Promise<ExampleBatch>;
}

/** A loaded dataset. */
export interface Dataset {
  /** What it holds and where it came from. */
  readonly info: DatasetInfo;
  /** One split; throws a `RangeError` naming the available splits if `name` is not one. */
  split(name: SplitName): DatasetSplit;
  /** Releases files and caches. */
  close?(): Promise<void>;
}

/** Progress of a long operation (a download, an extraction). */
export interface ProgressEvent {
  /** What is happening, for example `'download train-images-idx3-ubyte.gz'`. */
  readonly task: string;
  /** Units done so far (bytes, files). */
  readonly done: number;
  /** Total units, when known. */
  readonly total?: number;
}

/** Where and how a loader may look for its files. */
export interface DatasetLoadOptions {
  /** A directory (or archive) the user points at; searched first. */
  readonly path?: string;
  /** Cache directory for downloads. @default the platform cache dir, `~/.cache/asng/datasets` */
  readonly cacheDir?: string;
  /** Whether a missing dataset may be downloaded. @default true */
  readonly download?: boolean;
  /** Base URL to download the dataset's files from instead of its official mirror (a local copy, a proxy). */
  readonly mirror?: string;
  /** Called as downloads and extractions progress. */
  readonly onProgress?: (event: ProgressEvent) => void;
  /** Aborts a download. */
  readonly signal?: AbortSignal;
}

/**
 * A dataset format plugin: finds, verifies and opens a dataset. The CLI picks
 * loaders by {@link DatasetLoader.name}.
 */
export interface DatasetLoader<O extends DatasetLoadOptions = DatasetLoadOptions> {
  /** Identifier used on the command line, for example `'fashion-mnist'`. */
  readonly name: string;
  /** One-line description. */
  readonly description: string;
  /** Finds the data (user path, cache, system locations, then download) and opens it. */
  load(options?: O): Promise<Dataset>;
}
