// The gradients of tfjs-core's ops when the CLI runs from its sources in the
// monorepo (`npm run -s asng`, the `@asng/source` condition, under tsx), which
// cannot load tfjs-core's ES modules: the umbrella package, a devDependency,
// registers them. The published CLI uses gradients.ts, bundled.
import '@tensorflow/tfjs';
