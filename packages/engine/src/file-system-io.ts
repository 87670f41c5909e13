import * as tf from '@tensorflow/tfjs-core';
import { fileError, temporaryPathFor, writeFileAtomic } from './atomic-write.js';
import { createDirectory } from './create-directory.js';
import { alive } from './run-lock.js';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

async function nodeModules() {
  const [fs, path] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  return { fs, path };
}

/** Options of {@link fileSystemIO} and {@link saveModelAtomically}. */
export interface FileSystemIOOptions {
  /**
   * Told when a save of the model directory that was killed is repaired
   * (see {@link saveModelAtomically}).
   * @default console.warn
   */
  readonly onWarning?: (message: string) => void;
}

/**
 * A tfjs `IOHandler` that saves a model to a directory and loads it back, in
 * Node.js, in the layout `@tensorflow/tfjs-node` uses: `model.json` and
 * `weights.bin`. For saving, `path` is the directory; for loading, the
 * directory or its `model.json`. It needs no native backend. Loading first
 * repairs what a killed {@link saveModelAtomically} of the directory left.
 *
 * @example
 * ```ts // not runnable
 * await model.save(fileSystemIO('./my-model'));
 * const same = await tf.loadLayersModel(fileSystemIO('./my-model'));
 * ```
 */
export function fileSystemIO(path: string, options: FileSystemIOOptions = {}): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new TypeError('fileSystemIO: binary model topologies are not supported');
      const { path: p } = await nodeModules();
      createDirectory(path);
      const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology ?? {},
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? '',
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig !== undefined ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata !== undefined ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      writeFileAtomic(p.join(path, WEIGHTS_BIN), new Uint8Array(weightData));
      writeFileAtomic(p.join(path, MODEL_JSON), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const { fs, path: p } = await nodeModules();
      // A save killed between its two renames leaves the model aside as `<dir>.old-<pid>`.
      await recoverInterruptedSave(p.basename(path) === MODEL_JSON ? p.dirname(path) : path, options.onWarning);
      const file = (await fs.stat(path)).isDirectory() ? p.join(path, MODEL_JSON) : path;
      const dir = p.dirname(file);
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(await fs.readFile(file, 'utf8')) as tf.io.ModelJSON;
      } catch (error) {
        throw new Error(`${file}: not a model file: ${(error as Error).message}`);
      }
      if (typeof modelJson !== 'object' || modelJson === null || typeof modelJson.modelTopology !== 'object' || modelJson.modelTopology === null) {
        throw new Error(`${file}: not a model file: expected an object with a 'modelTopology' object`);
      }
      if (!Array.isArray(modelJson.weightsManifest)) throw new Error(`${file}: weightsManifest: expected an array of weight groups`);
      // The model directory is data from anywhere: every weight file it names must lie inside it.
      const realDir = await fs.realpath(dir);
      for (const [g, group] of modelJson.weightsManifest.entries()) {
        if (!Array.isArray(group?.paths) || !Array.isArray(group?.weights))
          throw new Error(`${file}: weightsManifest[${g}]: expected 'paths' and 'weights' arrays`);
        for (const [i, name] of group.paths.entries()) {
          const field = `weightsManifest[${g}].paths[${i}]`;
          if (typeof name !== 'string' || name === '' || p.isAbsolute(name) || name.split(/[\\/]/).includes('..')) {
            throw new Error(`${file}: ${field}: expected a file name inside the model directory, got ${JSON.stringify(name)}`);
          }
          const target = p.join(dir, name);
          let real: string;
          try {
            real = await fs.realpath(target);
          } catch (error) {
            throw new Error(`${file}: ${field}: cannot read ${JSON.stringify(name)} (${(error as Error).message})`);
          }
          const inside = p.relative(realDir, real);
          if (inside === '' || inside === '..' || inside.startsWith(`..${p.sep}`) || p.isAbsolute(inside)) {
            throw new Error(`${file}: ${field}: ${JSON.stringify(name)} leads outside the model directory (to ${real})`);
          }
        }
      }
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        const names: string[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const name of group.paths) {
            let bytes: Buffer;
            try {
              bytes = await fs.readFile(p.join(dir, name));
            } catch (error) {
              throw new Error(`${file}: cannot read the weight file ${JSON.stringify(name)} (${(error as Error).message})`);
            }
            names.push(name);
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          }
        }
        // A weight file cut short (or grown) would fail deep in tfjs without naming any file.
        const expected = weightBytes(specs);
        const found = buffers.reduce((n, b) => n + b.byteLength, 0);
        if (expected !== undefined && expected !== found) {
          throw new Error(
            `${file}: weightsManifest: the weights it lists take ${expected} bytes, but ${names.map((n) => JSON.stringify(n)).join(', ')} hold ${found}; the weight files do not belong to this model or are damaged`,
          );
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}

/** Bytes per element of the dtypes a weight file stores (after quantization, when a weight has one). */
const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

/** The bytes the weights of a manifest take in their files; `undefined` when one has a size that cannot be known (strings, an unknown dtype, a bad shape). */
function weightBytes(specs: readonly tf.io.WeightsManifestEntry[]): number | undefined {
  let total = 0;
  for (const spec of specs) {
    const per = DTYPE_BYTES[spec.quantization?.dtype ?? spec.dtype];
    if (per === undefined || !Array.isArray(spec.shape) || !spec.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return undefined;
    total += spec.shape.reduce((n, d) => n * d, 1) * per;
  }
  return total;
}

let registered = false;

/**
 * Lets `model.save('file://dir')` and `tf.loadLayersModel('file://dir/model.json')`
 * work in Node.js without `@tensorflow/tfjs-node`, through {@link fileSystemIO}.
 * Call it once; later calls do nothing.
 */
export function registerFileSystemRouter(): void {
  if (registered) return;
  registered = true;
  // tfjs routers answer null for URLs they do not handle, although IORouter's type omits it.
  const route = ((url: string | string[]) => (typeof url === 'string' && url.startsWith('file://') ? fileSystemIO(url.slice('file://'.length)) : null)) as (
    url: string | string[],
  ) => tf.io.IOHandler;
  tf.io.registerSaveRouter(route);
  tf.io.registerLoadRouter(route);
}

/**
 * Saves `model` to the directory `dir` (`model.json` and `weights.bin`, as
 * {@link fileSystemIO}) so that `dir` never holds a half-written model: the
 * files are written to a temporary directory beside it
 * (`<dir>.asng-tmp-<pid>-<n>`, which `removeLeftoverTempFiles` recognises),
 * which is then renamed to `dir`. An existing `dir` is first moved aside
 * (to `<dir>.old-<pid>`) and deleted after the rename. Returns the save result.
 *
 * A process killed between the two renames leaves `<dir>.old-<pid>` and no
 * `dir`; the next save or load of `dir` ({@link fileSystemIO}) renames it back,
 * with a warning, or removes it when `dir` exists. Temporary directories of
 * saves killed earlier are removed too. Leftovers of a process still running
 * (a save in progress) are left alone.
 *
 * @throws An `Error` whose message starts with `dir` and says what failed,
 * with the system error as its `cause` and its `code`. The temporary
 * directory is removed first, and a previous model moved aside is put back.
 */
export async function saveModelAtomically(
  model: { save(handler: tf.io.IOHandler): Promise<tf.io.SaveResult> },
  dir: string,
  options: FileSystemIOOptions = {},
): Promise<tf.io.SaveResult> {
  const { fs } = await nodeModules();
  await recoverInterruptedSave(dir, options.onWarning);
  const temp = temporaryPathFor(dir);
  const old = `${dir}.old-${process.pid}`;
  const removeTemp = () => fs.rm(temp, { recursive: true, force: true }).catch(() => undefined);
  let result: tf.io.SaveResult;
  try {
    result = await model.save(fileSystemIO(temp));
  } catch (error) {
    await removeTemp();
    throw fileError(dir, 'could not save the model', error);
  }
  let replaced = false;
  try {
    await fs.rename(dir, old);
    replaced = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      await removeTemp();
      throw fileError(dir, `could not move the previous model aside to ${old}`, error);
    }
  }
  try {
    await fs.rename(temp, dir);
  } catch (error) {
    await removeTemp();
    if (replaced) await fs.rename(old, dir).catch(() => undefined);
    throw fileError(dir, 'could not put the saved model in place', error);
  }
  if (replaced) await fs.rm(old, { recursive: true, force: true });
  return result;
}

/** `<name>.old-<pid>`: a model moved aside by {@link saveModelAtomically}; `<name>.asng-tmp-<pid>-<n>`: one being written. */
const LEFTOVER = /^(.*)\.(?:old-(\d+)|asng-tmp-(\d+)-[0-9a-z]+)$/;

/**
 * Repairs what a {@link saveModelAtomically} of `dir` killed midway left
 * beside it, in processes no longer running (or this one's pid, reused): a
 * model moved aside (`<dir>.old-<pid>`) is renamed back to `dir` if `dir` is
 * missing (the most recent one, if several), with a warning, and removed
 * otherwise; temporary directories (`<dir>.asng-tmp-<pid>-<n>`) are removed.
 *
 * @throws An `Error` naming the leftover that could not be renamed or removed.
 */
export async function recoverInterruptedSave(dir: string, onWarning: (message: string) => void = (message) => console.warn(message)): Promise<void> {
  const { fs, path: p } = await nodeModules();
  const parent = p.dirname(p.resolve(dir));
  const name = p.basename(p.resolve(dir));
  let entries: string[];
  try {
    entries = await fs.readdir(parent);
  } catch {
    return;
  }
  const aside: { path: string; mtimeMs: number }[] = [];
  const temporaries: string[] = [];
  for (const entry of entries) {
    const match = LEFTOVER.exec(entry);
    if (match === null || match[1] !== name) continue;
    const pid = Number(match[2] ?? match[3]);
    if (pid !== process.pid && alive(pid)) continue;
    const path = p.join(parent, entry);
    if (match[2] !== undefined) {
      const stats = await fs.stat(path).catch(() => null);
      if (stats !== null) aside.push({ path, mtimeMs: stats.mtimeMs });
    } else {
      temporaries.push(path);
    }
  }
  for (const path of temporaries) {
    await fs.rm(path, { recursive: true, force: true }).catch((error: unknown) => {
      throw fileError(path, 'could not remove the temporary directory of an interrupted save', error);
    });
  }
  if (aside.length === 0) return;
  aside.sort((a, b) => b.mtimeMs - a.mtimeMs);
  const exists = await fs
    .stat(dir)
    .then(() => true)
    .catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw fileError(dir, 'could not check the model directory', error);
    });
  let stale = aside;
  if (!exists) {
    const [latest, ...rest] = aside;
    try {
      await fs.rename(latest!.path, dir);
    } catch (error) {
      throw fileError(latest!.path, `could not restore the previous model to ${dir}`, error);
    }
    onWarning(`${dir}: a save of the model was interrupted; restored the previous model from ${latest!.path}`);
    stale = rest;
  }
  for (const { path } of stale) {
    try {
      await fs.rm(path, { recursive: true, force: true });
    } catch (error) {
      throw fileError(path, 'could not remove the previous model left by an interrupted save', error);
    }
    if (exists) onWarning(`${dir}: removed ${path}, a previous model left by an interrupted save`);
  }
}
