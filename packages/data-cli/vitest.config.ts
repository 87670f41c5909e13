import { packageProject } from '../../vitest.shared';

export default packageProject('data-cli');
