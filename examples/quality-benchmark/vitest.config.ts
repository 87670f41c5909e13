import { packageProject } from '../../vitest.shared.ts';

export default packageProject('example-quality-benchmark', { testTimeout: 300_000 });
