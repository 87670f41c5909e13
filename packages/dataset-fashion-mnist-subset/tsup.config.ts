import { packageBuild } from '../../tsup.shared';

// Two entries: the Node.js one, and `@asng/dataset-fashion-mnist-subset/browser`, free of Node.js modules.
// The shim gives the CommonJS build an `import.meta.url`, which locates data/.
export default packageBuild({ entry: ['src/index.ts', 'src/browser.ts'], splitting: true, shims: true });
