import { packageProject } from '../../vitest.shared.ts';

export default packageProject('example-cifar10-search', { testTimeout: 300_000 });
