import { packageBuild } from '../../tsup.shared';

// The shim gives the CommonJS build an `import.meta.url`, which locates data/.
export default packageBuild({ shims: true });
