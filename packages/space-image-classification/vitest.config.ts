import { packageProject } from '../../vitest.shared.ts';

export default packageProject('space-image-classification');
