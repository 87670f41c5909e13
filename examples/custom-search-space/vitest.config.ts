import { packageProject } from '../../vitest.shared';

export default packageProject('example-custom-search-space', { testTimeout: 120_000 });
