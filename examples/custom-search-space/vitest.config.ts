import { packageProject } from '../../vitest.shared.ts';

export default packageProject('example-custom-search-space', { testTimeout: 120_000 });
