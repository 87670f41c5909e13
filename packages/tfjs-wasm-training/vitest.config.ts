import { packageProject } from '../../vitest.shared';

export default packageProject('tfjs-wasm-training', { testTimeout: 60_000 });
