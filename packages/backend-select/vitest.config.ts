import { packageProject } from '../../vitest.shared';

export default packageProject('backend-select', { testTimeout: 60_000 });
