import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fileSystemIO, saveModelAtomically } from './file-system-io.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A saved two-layer model in a fresh directory, inside a parent that also holds a file outside the model. */
async function savedModel(): Promise<{ parent: string; dir: string; modelJson: string }> {
  const parent = mkdtempSync(join(tmpdir(), 'asng-fsio-'));
  dirs.push(parent);
  const dir = join(parent, 'model');
  const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [4], name: 'd' })] });
  await model.save(fileSystemIO(dir));
  model.dispose();
  writeFileSync(join(parent, 'secret.bin'), new Uint8Array(60));
  return { parent, dir, modelJson: join(dir, 'model.json') };
}

function editManifestPath(modelJson: string, path: unknown): void {
  const json = JSON.parse(readFileSync(modelJson, 'utf8'));
  json.weightsManifest[0].paths[0] = path;
  writeFileSync(modelJson, JSON.stringify(json));
}

describe('fileSystemIO.load on an untrusted model directory', () => {
  it('loads a model it saved', async () => {
    const { dir } = await savedModel();
    const model = await tfl.loadLayersModel(fileSystemIO(dir));
    expect(model.layers.map((l) => l.name)).toEqual(['d']);
    model.dispose();
  });

  it('refuses weight paths that leave the directory: parent segments, absolute paths, symbolic links', async () => {
    const { parent, dir, modelJson } = await savedModel();
    editManifestPath(modelJson, '../secret.bin');
    await expect(tfl.loadLayersModel(fileSystemIO(dir))).rejects.toThrow(
      `${modelJson}: weightsManifest[0].paths[0]: expected a file name inside the model directory, got "../secret.bin"`,
    );
    editManifestPath(modelJson, join(parent, 'secret.bin'));
    await expect(tfl.loadLayersModel(fileSystemIO(dir))).rejects.toThrow(/weightsManifest\[0\]\.paths\[0\]: expected a file name inside the model directory/);
    editManifestPath(modelJson, 7);
    await expect(tfl.loadLayersModel(fileSystemIO(dir))).rejects.toThrow(
      /weightsManifest\[0\]\.paths\[0\]: expected a file name inside the model directory, got 7/,
    );
    symlinkSync(join(parent, 'secret.bin'), join(dir, 'link.bin'));
    editManifestPath(modelJson, 'link.bin');
    await expect(tfl.loadLayersModel(fileSystemIO(dir))).rejects.toThrow(/weightsManifest\[0\]\.paths\[0\]: "link.bin" leads outside the model directory/);
  });

  it('names the file when model.json is not a model', async () => {
    const { dir, modelJson } = await savedModel();
    writeFileSync(modelJson, '{"modelTopology": nul');
    await expect(tfl.loadLayersModel(fileSystemIO(dir))).rejects.toThrow(`${modelJson}: not a model file:`);
    writeFileSync(modelJson, '{"weightsManifest": []}');
    await expect(tfl.loadLayersModel(fileSystemIO(dir))).rejects.toThrow(`${modelJson}: not a model file: expected an object with a 'modelTopology' object`);
    writeFileSync(modelJson, '{"modelTopology": {}, "weightsManifest": [{"paths": "weights.bin"}]}');
    await expect(tfl.loadLayersModel(fileSystemIO(dir))).rejects.toThrow(`${modelJson}: weightsManifest[0]: expected 'paths' and 'weights' arrays`);
  });
});

describe('a save killed between its two renames (model.old-<pid> left beside the model)', () => {
  /** A pid no process has (above Linux's largest `pid_max`). */
  const DEAD = 99_999_999;
  const model = (units: number) => tfl.sequential({ layers: [tfl.layers.dense({ units, inputShape: [4], name: 'd' })] });
  const units = async (dir: string, onWarning: (m: string) => void) => {
    const loaded = await tfl.loadLayersModel(fileSystemIO(dir, { onWarning }));
    const n = (loaded.outputs[0]!.shape as number[])[1]!;
    loaded.dispose();
    return n;
  };

  it('load restores the previous model when the directory is missing, with a warning', async () => {
    const { parent, dir } = await savedModel();
    const old = `${dir}.old-${DEAD}`;
    renameSync(dir, old);
    const warnings: string[] = [];
    expect(await units(join(dir, 'model.json'), (m) => warnings.push(m))).toBe(3);
    expect(readdirSync(parent).sort()).toEqual(['model', 'secret.bin']);
    expect(warnings).toEqual([`${dir}: a save of the model was interrupted; restored the previous model from ${old}`]);
  });

  it('load removes the leftover when the directory exists, and a save in progress in a live process is left alone', async () => {
    const { parent, dir } = await savedModel();
    mkdirSync(`${dir}.old-${DEAD}`);
    writeFileSync(join(`${dir}.old-${DEAD}`, 'model.json'), '{}');
    const live = `${dir}.old-${process.ppid}`;
    mkdirSync(live);
    const warnings: string[] = [];
    expect(await units(dir, (m) => warnings.push(m))).toBe(3);
    expect(readdirSync(parent).sort()).toEqual(['model', `model.old-${process.ppid}`, 'secret.bin']);
    expect(warnings).toEqual([`${dir}: removed ${dir}.old-${DEAD}, a previous model left by an interrupted save`]);
  });

  it('the next save restores then replaces it, removing every leftover and temporary directory', async () => {
    const { parent, dir } = await savedModel();
    renameSync(dir, `${dir}.old-${DEAD}`);
    mkdirSync(`${dir}.asng-tmp-${DEAD}-0`);
    mkdirSync(`${dir}.old-${DEAD - 1}`);
    const warnings: string[] = [];
    const next = model(5);
    await saveModelAtomically(next, dir, { onWarning: (m) => warnings.push(m) });
    next.dispose();
    expect(readdirSync(parent).sort()).toEqual(['model', 'secret.bin']);
    expect(warnings).toHaveLength(1);
    expect(await units(dir, (m) => warnings.push(m))).toBe(5);
    expect(warnings).toHaveLength(1);
  });

  it('the next save removes the leftover when the directory exists', async () => {
    const { parent, dir } = await savedModel();
    mkdirSync(`${dir}.old-${DEAD}`);
    const warnings: string[] = [];
    const next = model(2);
    await saveModelAtomically(next, dir, { onWarning: (m) => warnings.push(m) });
    next.dispose();
    expect(readdirSync(parent).sort()).toEqual(['model', 'secret.bin']);
    expect(warnings).toEqual([`${dir}: removed ${dir}.old-${DEAD}, a previous model left by an interrupted save`]);
    expect(existsSync(join(dir, 'weights.bin'))).toBe(true);
    expect(await units(dir, (m) => warnings.push(m))).toBe(2);
  });
});
