import { packageProject } from '../../vitest.shared.ts';

export default packageProject('backend-select', { testTimeout: 60_000 });
