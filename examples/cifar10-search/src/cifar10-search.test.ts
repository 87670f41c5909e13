import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { bufferedIo } from '@asng/cli';
import { Rng } from '@asng/core';
import { fileSystemIO } from '@asng/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCifar10Search } from './cifar10-search.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
const root = mkdtempSync(join(tmpdir(), 'asng-cifar10-example-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** CIFAR-10 binary batch files of `perFile` random 32x32 images each (labels 0 to 9 in turn). */
function writeTinyCifar(dir: string, perFile: number): void {
  const rng = new Rng(9);
  const records = () => Uint8Array.from({ length: perFile * 3073 }, (_, i) => (i % 3073 === 0 ? Math.floor(i / 3073) % 10 : Math.floor(256 * rng.uniform())));
  const folder = join(dir, 'cifar-10-batches-bin');
  mkdirSync(folder, { recursive: true });
  for (let k = 1; k <= 5; k++) writeFileSync(join(folder, `data_batch_${k}.bin`), records());
  writeFileSync(join(folder, 'test_batch.bin'), records());
}

const onCpu = async () => {
  await tf.setBackend('cpu');
  return { backend: 'cpu', reason: 'test' };
};
const capture = () => bufferedIo({ cwd: root, selectBackend: onCpu });

describe('the CIFAR-10 search example', () => {
  it('searches, reports, retrains, evaluates and exports on CIFAR-format files', async () => {
    writeTinyCifar(join(root, 'data'), 4);
    const { io, stderr, lastJson } = capture();
    const code = await runCifar10Search(
      [
        '--data-path',
        'data',
        '--run-dir',
        'run',
        '--cells',
        '3',
        '--channels',
        '2',
        '--steps',
        '2',
        '--max-examples',
        '8',
        '--batch-size',
        '4',
        '--retrain-epochs',
        '1',
        '--retrain-max-examples',
        '4',
        '--retrain-cells',
        '4',
        '--backend',
        'cpu',
        '--json',
      ],
      io,
    );
    expect(stderr()).not.toMatch(/asng: /);
    expect(code).toBe(0);
    const result = lastJson<any>();
    expect(result.search).toMatchObject({ status: 'completed', steps: 2 });
    expect(result.retrain).toMatchObject({ split: 'test', epochs: 1, spaceOptions: { cells: 4, channels: 2 } });
    expect(result.evaluate).toMatchObject({ split: 'test', examples: 4 });
    expect(result.evaluate.metrics.accuracy).toBe(result.retrain.test.accuracy);
    expect(result.export).toMatchObject({ weights: 'retrained', trainableParameters: result.retrain.trainableParameters });
    expect(existsSync(join(root, 'run', 'report.html'))).toBe(true);
    const model = await loadLayersModel(fileSystemIO(join(root, 'run', 'exported-model')));
    expect(model.outputs[0]!.shape).toEqual([null, 10]);
    model.dispose();
  });

  it('says how to get CIFAR-10 when it is not there, and downloads nothing', async () => {
    mkdirSync(join(root, 'empty'));
    const { io, stderr } = capture();
    expect(await runCifar10Search(['--data-path', 'empty', '--run-dir', 'nothing'], io)).toBe(1);
    expect(stderr()).toMatch(
      /CIFAR-10 \(binary version\) was not found\. To get it:\n {2}1\. download https:\/\/www\.cs\.toronto\.edu\/~kriz\/cifar-10-binary\.tar\.gz/,
    );
    expect(existsSync(join(root, 'nothing'))).toBe(false);
  });

  it('names a bad option', async () => {
    const { io, stderr } = capture();
    expect(await runCifar10Search(['--cells', 'many'], io)).toBe(2);
    expect(stderr()).toMatch(/--cells: expected an integer >= 1, got "many"/);
  });
});
