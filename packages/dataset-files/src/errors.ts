/**
 * A dataset file that is not what its format requires. The message names the
 * file, what was expected and what was found, so a user can fix or replace it.
 *
 * @example
 * ```ts
 * throw new DatasetFormatError('/data/train-labels-idx1-ubyte', 'magic number 0x00000801', '0x00000803');
 * ```
 */
export class DatasetFormatError extends Error {
  /** The offending file (or `archive:member`). */
  readonly file: string;
  /** What the format requires. */
  readonly expected: string;
  /** What the file holds. */
  readonly found: string;

  constructor(file: string, expected: string, found: string) {
    super(`${file}: expected ${expected}, found ${found}`);
    this.name = 'DatasetFormatError';
    this.file = file;
    this.expected = expected;
    this.found = found;
  }
}

/** What was looked for in one place and not found there, for {@link DatasetNotFoundError}. */
export interface MissingFiles {
  /** The place (a directory, or the path the user gave). */
  readonly place: string;
  /**
   * Each file looked for and not found, as its full path; a file that may be
   * gzipped or not is written `<path>[.gz]`. Empty when `place` itself does
   * not exist.
   */
  readonly files: readonly string[];
}

/**
 * A dataset that is nowhere to be found and could not be downloaded. The
 * message lists every place that was searched, which files were missing
 * where that is known (always for a path the user gave, when the loader
 * looks its files up with `exists` or `firstExisting`), and how to obtain
 * the files.
 */
export class DatasetNotFoundError extends Error {
  /** Name of the dataset, for example `'fashion-mnist'`. */
  readonly dataset: string;
  /** Every place searched, in order. */
  readonly searched: readonly string[];
  /** Which files were missing, where known. */
  readonly missing: MissingFiles | undefined;

  constructor(dataset: string, searched: readonly string[], howToGet: string, cause?: unknown, missing?: MissingFiles) {
    const causeText = cause === undefined ? '' : `\nThe download failed: ${cause instanceof Error ? cause.message : String(cause)}`;
    const missingText =
      missing === undefined
        ? ''
        : missing.files.length === 0
          ? `\n${missing.place} does not exist.`
          : `\nNot found in ${missing.place}:\n${missing.files.map((file) => `  - ${file}`).join('\n')}`;
    super(
      `${dataset}: dataset files not found. Searched:\n${searched.map((place) => `  - ${place}`).join('\n')}${missingText}${causeText}\nTo get them: ${howToGet}`,
      cause === undefined ? undefined : { cause },
    );
    this.name = 'DatasetNotFoundError';
    this.dataset = dataset;
    this.searched = searched;
    this.missing = missing;
  }
}

/** A downloaded file whose SHA-256 does not match the published sum; nothing was kept. */
export class ChecksumMismatchError extends Error {
  /** The URL downloaded. */
  readonly url: string;
  /** The published SHA-256, hex. */
  readonly expected: string;
  /** The SHA-256 of what was received, hex. */
  readonly actual: string;

  constructor(url: string, expected: string, actual: string) {
    super(`${url}: expected SHA-256 ${expected}, found ${actual}; the download was discarded`);
    this.name = 'ChecksumMismatchError';
    this.url = url;
    this.expected = expected;
    this.actual = actual;
  }
}
