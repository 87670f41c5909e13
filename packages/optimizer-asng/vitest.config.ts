import { packageProject } from '../../vitest.shared';

export default packageProject('optimizer-asng');
