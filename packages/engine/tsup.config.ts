import { packageBuild } from '../../tsup.shared';

// Two entries: the Node.js one, and `@asng/engine/browser`, free of Node.js modules.
export default packageBuild({ entry: ['src/index.ts', 'src/browser.ts'], splitting: true });
