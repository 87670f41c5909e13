import { packageBuild } from '../../tsup.shared';

export default packageBuild({
  entry: ['src/index.ts', 'src/main.ts'],
  // An ES module only: the command and its programmatic API (runCli) need no CommonJS build.
  format: ['esm'],
  // tfjs-core's gradient registrations as ES modules, bundled (see src/gradients.ts).
  noExternal: [/^@tensorflow\/tfjs-core\/dist\/register_all_gradients/],
  // The maps point into src/, which the package ships: no copy of the sources
  // (nor of the bundled tfjs-core files) inside them.
  esbuildOptions(options) {
    options.sourcesContent = false;
  },
});
