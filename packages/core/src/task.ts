import type { ImageShape } from './dataset.js';
import type { SearchSpace, TaskSpec } from './search-space.js';

/**
 * The task a search space is instantiated for on a dataset: the dataset's
 * image shape, and its number of classes when the space classifies (`0` for
 * an image-to-image space, whose targets are images). The one derivation the
 * engine, the CLI and the examples share.
 *
 * @example
 * ```ts
 * const task = taskFor(space, dataset.info); // { inputShape: [28, 28, 1], classes: 10 }
 * ```
 */
export function taskFor(space: Pick<SearchSpace, 'kind'>, info: { readonly shape: ImageShape; readonly classes: number }): TaskSpec {
  return { inputShape: info.shape, classes: space.kind === 'image-to-image' ? 0 : info.classes };
}
