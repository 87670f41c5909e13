export { setupWasmTraining } from './setup-wasm-training.js';
export type { WasmTrainingOptions, WasmTrainingSetup } from './setup-wasm-training.js';
export { registerWasmTrainingKernels } from './register-wasm-training-kernels.js';
export { registerDilatedConvGradients } from './register-dilated-conv-gradients.js';
export { convFilterGradient, convInputGradient } from './conv-gradients.js';
export { MAX_WASM_THREADS } from './node-threads.js';
export { formatKernelProfile, profileKernels } from './kernel-profile.js';
export type { KernelProfiler, KernelTime } from './kernel-profile.js';
export { NormalizeBatch, NormalizeBatchGrad } from './normalize-batch.js';
