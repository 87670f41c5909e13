import { packageProject } from '../../vitest.shared.ts';

export default packageProject('example-inpainting-results', { testTimeout: 180_000 });
