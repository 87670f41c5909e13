import { packageProject } from '../../vitest.shared.ts';

export default packageProject('tfjs-wasm-training', { testTimeout: 60_000 });
