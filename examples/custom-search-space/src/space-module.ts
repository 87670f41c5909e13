/**
 * The module form the `asng` CLI loads with `--space <path>`: a default
 * export that makes the space from `--space-option key=value` pairs.
 *
 *   asng search --space examples/custom-search-space/src/space-module.ts --space-option maxDepth=2 ...
 */
import type { SearchSpace } from '@asng/core';
import { createSmallCnnSpace } from './small-cnn-space.js';

export default function createSpace(options: Record<string, string | number | boolean> = {}): SearchSpace {
  for (const key of Object.keys(options)) {
    if (!['maxDepth', 'minChannels', 'maxChannels'].includes(key)) {
      throw new TypeError(`--space-option ${key}: unknown option of small-cnn; accepted: maxDepth, minChannels, maxChannels`);
    }
  }
  const num = (key: string, fallback: number) => {
    const v = options[key] ?? fallback;
    if (typeof v !== 'number') throw new TypeError(`--space-option ${key}: expected a number, got ${JSON.stringify(v)}`);
    return v;
  };
  return createSmallCnnSpace({ maxDepth: num('maxDepth', 3), channels: [num('minChannels', 4), num('maxChannels', 16)] });
}
