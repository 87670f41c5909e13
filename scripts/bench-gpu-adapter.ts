/**
 * `bench:gpu`'s view of the WebGPU adapter and device: what Dawn reports,
 * whether it is a software one, Dawn's validation errors, and probes of what
 * the webgpu backend cannot do (synchronous reads, AddN of many tensors).
 */
import * as tf from '@tensorflow/tfjs-core';

/** What to install when there is no WebGPU adapter, or only a software one. */
export const INSTALL_HINT =
  'WebGPU needs a Vulkan driver on Linux: on a GPU machine the vendor driver (NVIDIA: its Vulkan ICD, /usr/share/vulkan/icd.d/nvidia_icd.json; ' +
  'in a container NVIDIA_DRIVER_CAPABILITIES must include graphics), ' +
  'without a GPU Mesa lavapipe (Debian 12: add bookworm-backports and `apt-get install -t bookworm-backports mesa-vulkan-drivers`; ' +
  "bookworm's Mesa 22.3 is rejected by Dawn), and the npm packages webgpu and @tensorflow/tfjs-backend-webgpu. " +
  'Check with `vulkaninfo --summary` (package vulkan-tools).';

/** The adapter as Dawn describes it. */
export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** Whether Dawn calls it a fallback (CPU) adapter, where its adapter info says. */
  isFallbackAdapter?: boolean;
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number; maxComputeWorkgroupStorageSize: number };
}

/** The adapter the webgpu backend asked for (the same request: high-performance), as Dawn describes it. */
export async function adapterReport(): Promise<AdapterReport> {
  type Info = { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  const gpu = (globalThis as unknown as { navigator: { gpu: { requestAdapter: (o: object) => Promise<unknown> } } }).navigator.gpu;
  const adapter = (await gpu.requestAdapter({ powerPreference: 'high-performance' })) as {
    info?: Info;
    isFallbackAdapter?: boolean;
    limits: AdapterReport['limits'];
  };
  const info = adapter.info ?? {};
  const fallback = info.isFallbackAdapter ?? adapter.isFallbackAdapter;
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    ...(fallback !== undefined ? { isFallbackAdapter: fallback } : {}),
    limits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
      maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
    },
  };
}

/** Whether the adapter is a CPU implementation of Vulkan or WebGPU (Mesa llvmpipe/lavapipe, SwiftShader, WARP) rather than a GPU. */
export function isSoftwareAdapter(adapter: AdapterReport): boolean {
  return (
    adapter.isFallbackAdapter === true ||
    /llvmpipe|lavapipe|swiftshader|softpipe|\bwarp\b|microsoft basic render/i.test(
      `${adapter.vendor} ${adapter.architecture} ${adapter.device} ${adapter.description}`,
    )
  );
}

/** The backend's GPUDevice, as much of it as this script uses. */
export interface DeviceLike {
  limits: { maxStorageBuffersPerShaderStage: number };
  onuncapturederror: ((event: { error: { message: string } }) => void) | null;
  pushErrorScope: (filter: 'validation' | 'out-of-memory' | 'internal') => void;
  popErrorScope: () => Promise<{ message: string } | null>;
}

/** The active (webgpu) backend's GPUDevice. */
export function backendDevice(): DeviceLike {
  return (tf.backend() as unknown as { device: DeviceLike }).device;
}

/** One line for a Dawn error: `<program>: <first line>`, with the storage buffer count left out. */
export function errorLine(message: string): string {
  const program = /ComputePipelineDescriptor ""(\w+)""/.exec(message)?.[1];
  const first = message.split('\n')[0]!.replace(/storage buffers \(\d+\)/g, 'storage buffers (N)');
  return program ? `${program}: ${first}` : first;
}

/**
 * Collects the device's uncaptured errors: Dawn's validation errors, which
 * do not throw: the failed kernel's command is dropped and its output left
 * unwritten, so a run with any has wrong numbers. One line each
 * ({@link errorLine}), counted, in the map returned.
 */
export function watchGpuErrors(device: DeviceLike): Map<string, number> {
  const gpuErrors = new Map<string, number>();
  device.onuncapturederror = (event) => {
    const line = errorLine(event.error.message);
    gpuErrors.set(line, (gpuErrors.get(line) ?? 0) + 1);
  };
  return gpuErrors;
}

/**
 * Whether the backend can read a tensor synchronously (`dataSync`). The
 * webgpu backend of tfjs 4.22 does it through `OffscreenCanvas`, which Node
 * lacks, so in Node it throws `OffscreenCanvas is not defined`.
 */
export function syncReadProbe(): { ok: true } | { ok: false; error: string } {
  // Big enough not to be handed off to the CPU (WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD, 1000 elements).
  const t = tf.tidy(() => tf.sum(tf.square(tf.range(0, 4096, 1, 'float32'))));
  try {
    t.dataSync();
    return { ok: true };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  } finally {
    t.dispose();
  }
}

/**
 * Whether `tf.addN` of `n` tensors runs: the webgpu backend binds every input
 * of AddN as a storage buffer of one shader, and requests the default limit
 * of 8 per stage, so AddN of more than 7 tensors fails validation (no throw,
 * the output stays unwritten). The engine's gradient clipping adds the
 * squared norms of all used weights in one `tf.addN`.
 */
export async function addNProbe(device: DeviceLike, n: number): Promise<string | undefined> {
  device.pushErrorScope('validation');
  const t = tf.tidy(() => tf.addN(Array.from({ length: n }, (_, i) => tf.fill([2048], i + 1))));
  const value = (await t.data())[0]!;
  t.dispose();
  const error = await device.popErrorScope();
  if (error) return errorLine(error.message);
  const expected = (n * (n + 1)) / 2;
  return value === expected ? undefined : `AddN of ${n} tensors: got ${value}, expected ${expected}`;
}
