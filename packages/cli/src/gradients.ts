// The gradients of tfjs-core's ops, for the built CLI: bundled into its build
// (tsup's noExternal). tfjs-core's CommonJS build, which Node loads, registers
// none, and Node cannot import its ES modules directly; the registry is
// global to the process, so the tfjs-core that the spaces and layers use sees
// them. Without this the CLI would need the whole `@tensorflow/tfjs` umbrella
// (about 190 MB with webgl, converter and data) for the gradients alone.
// Chosen through package.json's `imports` (`#gradients`); from the sources
// (the `@asng/source` condition, under tsx) gradients-source.ts is used.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
