/**
 * The rules of a dropped folder of images, as `@asng/dataset-image-folder`
 * applies them to a folder on disk: class sub-folders in name order,
 * `train/` and `test/` when both exist, image files by extension, hidden
 * entries ignored. Pure: it sees paths only (decoding is `decodeImage`'s).
 */

/** The image extensions the page decodes (those of `@asng/dataset-image-folder` a browser can decode). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.webp', '.gif', '.avif', '.bmp'];

/** One image of the folder: the index of its file in the list given, and its class. */
export interface FolderImage {
  readonly file: number;
  readonly label: number;
}

/** A folder of images per class, read from paths. */
export interface FolderLayout {
  /** The folder dropped (the paths' common first part), `''` when the files were dropped loose. */
  readonly root: string;
  /** Class names, in name order: the label of a class is its index. */
  readonly classNames: readonly string[];
  readonly train: readonly FolderImage[];
  /** Present when the folder has both `train/` and `test/`. */
  readonly test?: readonly FolderImage[];
  /** Files that are not used, each with the reason, for the page to show. */
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
}

/** A folder that cannot be used, with what was expected and what was found. */
export class FolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FolderError';
  }
}

const extension = (name: string) => {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot).toLowerCase();
};

/**
 * Reads the layout of a dropped folder from its files' relative paths
 * (`webkitRelativePath`, or the path of a dropped directory entry, with `/`
 * separators):
 *
 * ```text
 * root/<class>/*.png                       everything trains
 * root/train/<class>/*  root/test/<class>/* a train and a test split
 * ```
 *
 * Classes are the sub-folder names sorted by code point (as the Node loader
 * sorts them); files in a hidden folder or with a hidden name are ignored, and
 * files loose in a split folder, deeper than a class folder, or not images are
 * skipped with the reason.
 *
 * @throws {@link FolderError} with fewer than two classes holding images, a test class that training lacks, or no image at all.
 */
export function parseImageFolder(paths: readonly string[]): FolderLayout {
  const parts = paths.map((p) => p.replace(/\\/g, '/').replace(/^\/+/, '').split('/').filter(Boolean));
  const firsts = new Set(parts.map((p) => (p.length > 1 ? p[0] : undefined)));
  const root = firsts.size === 1 && !firsts.has(undefined) && !['train', 'test'].includes([...firsts][0]!) ? [...firsts][0]! : '';
  const relative = parts.map((p) => (root !== '' ? p.slice(1) : p));
  const visible = relative.map((p) => p.every((segment) => !segment.startsWith('.')));
  const hasDir = (name: string) => relative.some((p, i) => visible[i] && p.length > 2 && p[0] === name);
  const hasSplits = hasDir('train') && hasDir('test');
  const skipped: { path: string; reason: string }[] = [];
  const found: { split: 'train' | 'test'; className: string; file: number }[] = [];
  relative.forEach((p, file) => {
    if (!visible[file]) return;
    const path = paths[file]!;
    const inSplit = hasSplits ? (p[0] === 'train' || p[0] === 'test' ? p.slice(1) : undefined) : p;
    if (inSplit === undefined) return skipped.push({ path, reason: 'outside train/ and test/' });
    if (inSplit.length < 2) return skipped.push({ path, reason: 'not in a class folder' });
    if (inSplit.length > 2) return skipped.push({ path, reason: 'in a sub-folder of a class folder' });
    if (!IMAGE_EXTENSIONS.includes(extension(inSplit[1]!))) return skipped.push({ path, reason: `not an image (${IMAGE_EXTENSIONS.join(', ')})` });
    found.push({ split: hasSplits && p[0] === 'test' ? 'test' : 'train', className: inSplit[0]!, file });
  });
  const where = root === '' ? 'the dropped files' : `the folder '${root}'`;
  if (found.length === 0) throw new FolderError(`No image in class folders in ${where}: expected <class>/*.png (or train/<class>/ and test/<class>/).`);
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const classNames = [...new Set(found.filter((f) => f.split === 'train').map((f) => f.className))].sort(byName);
  if (classNames.length < 2) {
    throw new FolderError(
      `${where}: expected at least two class folders of images${hasSplits ? ' in train/' : ''}, found ${classNames.length === 0 ? 'none' : `only '${classNames[0]}'`}.`,
    );
  }
  const unknown = [...new Set(found.filter((f) => f.split === 'test' && !classNames.includes(f.className)).map((f) => f.className))].sort(byName);
  if (unknown.length > 0) throw new FolderError(`${where}: test/ has class folder(s) that train/ lacks: ${unknown.join(', ')}.`);
  const images = (split: 'train' | 'test') =>
    found
      .filter((f) => f.split === split)
      .map((f) => ({ file: f.file, label: classNames.indexOf(f.className), name: relative[f.file]!.join('/') }))
      .sort((a, b) => a.label - b.label || byName(a.name, b.name))
      .map(({ file, label }) => ({ file, label }));
  return { root, classNames, train: images('train'), ...(hasSplits ? { test: images('test') } : {}), skipped };
}

/**
 * Without a test split, every `every`-th image of each class (in name order)
 * is held out for testing the retrained model, so its accuracy is measured
 * on images it never trained on.
 */
export function holdOutTest(train: readonly FolderImage[], every = 5): { train: FolderImage[]; test: FolderImage[] } {
  const seen = new Map<number, number>();
  const kept: FolderImage[] = [];
  const test: FolderImage[] = [];
  for (const image of train) {
    const n = seen.get(image.label) ?? 0;
    seen.set(image.label, n + 1);
    (n % every === every - 1 ? test : kept).push(image);
  }
  return { train: kept, test };
}
