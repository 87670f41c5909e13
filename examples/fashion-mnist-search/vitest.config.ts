import { packageProject } from '../../vitest.shared.ts';

export default packageProject('example-fashion-mnist-search', { testTimeout: 300_000 });
