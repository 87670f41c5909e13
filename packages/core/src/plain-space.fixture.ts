import type { SearchSpace } from './search-space.js';
import { categorical } from './variables.js';

/** Throws: the members of {@link plainSpace} that the core tests never call. */
export const unused = (): never => {
  throw new Error('not called by these tests');
};

/** A search space with nothing but the `SearchSpace` members, for the tests of the abilities' guards and descriptors. */
export const plainSpace: SearchSpace = {
  name: 'plain',
  variables: [categorical('op', ['a', 'b'])],
  metric: { name: 'accuracy', higherIsBetter: true },
  toBatch: unused,
  createSupernet: unused,
  buildModel: unused,
  describe: () => ({ text: '' }),
};
