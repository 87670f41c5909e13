import { packageBuild } from '../../tsup.shared';

// Two entries: `@asng/core/base` (no tfjs types) and `@asng/core`, which
// re-exports it by name so that both share one module instance (one `Rng` class).
export default packageBuild({ entry: ['src/index.ts', 'src/base.ts'], external: ['@asng/core/base'] });
