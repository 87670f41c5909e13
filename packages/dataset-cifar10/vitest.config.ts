import { packageProject } from '../../vitest.shared';

export default packageProject('dataset-cifar10');
