import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { fileSystemIO } from '@asng/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferedIo } from './buffered-io.js';
import { runCli } from './run.js';
import { checkModelRecord, openSavedModel } from './saved-model.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const root = mkdtempSync(join(tmpdir(), 'asng-saved-model-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const onCpu = async () => {
  await tf.setBackend('cpu');
  return { backend: 'cpu', reason: 'test' };
};
const capture = () => bufferedIo({ cwd: root, selectBackend: onCpu });

const goodRecord = { space: 'image-classification', spaceOptions: { cells: 3, channels: 2 }, dataset: 'cifar10', architecture: { 'cell0.op': 'conv3' } };

let count = 0;
/** A small saved model with an `asng` record, in a fresh directory; `edit` changes its model.json. */
async function modelDir(edit: (json: any) => void = () => {}): Promise<{ dir: string; modelJson: string }> {
  const dir = join(root, `model-${count++}`);
  const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3], name: 'd' })] });
  model.setUserDefinedMetadata({ asng: goodRecord });
  await model.save(fileSystemIO(dir));
  model.dispose();
  const modelJson = join(dir, 'model.json');
  const json = JSON.parse(readFileSync(modelJson, 'utf8'));
  edit(json);
  writeFileSync(modelJson, JSON.stringify(json));
  return { dir, modelJson };
}

describe('a model directory from elsewhere (issue 14, D4)', () => {
  // A file outside every model directory, which a manifest may try to read.
  const secret = join(root, 'secret.bin');
  writeFileSync(secret, new Uint8Array(24));

  it('opens a well-formed model and its record', async () => {
    const { dir } = await modelDir();
    const { model, record, modelDir: opened } = await openSavedModel(dir);
    expect(record).toEqual(goodRecord);
    expect(opened).toBe(dir);
    model.dispose();
  });

  for (const [what, path] of [
    ['a parent path', '../../etc/passwd'],
    ['a parent path to a readable file beside the model', '../secret.bin'],
    ['an absolute path', '/etc/passwd'],
    ['a Windows-style parent path', '..\\secret.bin'],
    ['a name that is not a string', 7],
  ] as const) {
    it(`asng evaluate refuses a weights-manifest path that is ${what}, naming the file, the field and what was expected`, async () => {
      const { dir, modelJson } = await modelDir((json) => {
        json.weightsManifest[0].paths[0] = path;
      });
      const { io, stderr } = capture();
      expect(await runCli(['evaluate', dir, '--dataset', 'fashion-mnist-subset'], io)).toBe(1);
      expect(stderr()).toContain(`${modelJson}: weightsManifest[0].paths[0]: expected a file name inside the model directory, got ${JSON.stringify(path)}`);
    });
  }

  it('asng evaluate and asng export refuse a weight file that is a symbolic link out of the directory', async () => {
    const { dir, modelJson } = await modelDir((json) => {
      json.weightsManifest[0].paths[0] = 'link.bin';
    });
    symlinkSync(secret, join(dir, 'link.bin'));
    const evaluated = capture();
    expect(await runCli(['evaluate', dir], evaluated.io)).toBe(1);
    expect(evaluated.stderr()).toContain(`${modelJson}: weightsManifest[0].paths[0]: "link.bin" leads outside the model directory`);
    // The same model as a run directory's retrained model: export reads it through the same checks.
    const run = join(root, 'run-with-link');
    mkdirSync(run);
    symlinkSync(dir, join(run, 'model'));
    const exported = capture();
    expect(await runCli(['export', run, '--out', join(root, 'never-written')], exported.io)).toBe(1);
    expect(exported.stderr()).toContain('weightsManifest[0].paths[0]: "link.bin" leads outside the model directory');
    expect(existsSync(join(root, 'never-written'))).toBe(false);
  });

  for (const [k, spec] of ['./evil-space-0.mjs', 'evil-space-1.mjs', 'ABSOLUTE'].entries()) {
    it(`never imports the space module ${spec} that a model file names; --space given by the user is loaded`, async () => {
      const marker = join(root, `imported-${k}.txt`);
      // One module per test: Node imports a module once per process.
      const evil = join(root, `evil-space-${k}.mjs`);
      writeFileSync(evil, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport default {};\n`);
      const named = spec === 'ABSOLUTE' ? evil : spec;
      const { dir, modelJson } = await modelDir((json) => {
        json.userDefinedMetadata.asng.space = named;
      });
      for (const argv of [
        ['evaluate', dir],
        ['evaluate', dir, '--dataset', 'fashion-mnist-subset'],
      ]) {
        const { io, stderr } = capture();
        expect(await runCli(argv, io)).toBe(2);
        expect(stderr()).toContain(`${modelJson}: names the search space ${JSON.stringify(named)}, which is not a built-in space`);
        expect(existsSync(marker)).toBe(false);
      }
      // Passed explicitly by the user, the module is imported (and rejected: it exports no space).
      const trusted = capture();
      expect(await runCli(['evaluate', dir, '--space', evil], trusted.io)).toBe(2);
      expect(trusted.stderr()).toMatch(/exports no search space/);
      expect(existsSync(marker)).toBe(true);
    });
  }

  const badRecords: [string, (record: any) => void, string][] = [
    ['space', (r) => (r.space = 42), 'userDefinedMetadata.asng.space: expected the name of a search space, got 42'],
    ['space', (r) => delete r.space, 'userDefinedMetadata.asng.space: expected the name of a search space, got nothing'],
    ['spaceOptions', (r) => (r.spaceOptions = 'cells=3'), 'userDefinedMetadata.asng.spaceOptions: expected an object of space options, got "cells=3"'],
    ['dataset', (r) => (r.dataset = null), "userDefinedMetadata.asng.dataset: expected a dataset loader's name, got null"],
    ['dataPath', (r) => (r.dataPath = 3), 'userDefinedMetadata.asng.dataPath: expected a path, got 3'],
    ['architecture', (r) => (r.architecture = [1]), 'userDefinedMetadata.asng.architecture: expected an object of variable values'],
    ['architecture', (r) => (r.architecture = { op: { nested: 1 } }), 'userDefinedMetadata.asng.architecture: expected an object of variable values'],
  ];
  for (const [field, edit, message] of badRecords) {
    it(`asng evaluate names the model file and the field when ${field} of its record is malformed`, async () => {
      const { dir, modelJson } = await modelDir((json) => edit(json.userDefinedMetadata.asng));
      const { io, stderr } = capture();
      expect(await runCli(['evaluate', dir], io)).toBe(1);
      expect(stderr()).toContain(`${modelJson}: ${message}`);
    });
  }

  it('checkModelRecord names the file when the record is not an object', () => {
    expect(() => checkModelRecord('image-classification', 'm/model.json')).toThrow(
      'm/model.json: userDefinedMetadata.asng: expected an object (space, spaceOptions, dataset, architecture), got "image-classification"',
    );
    expect(checkModelRecord(goodRecord, 'm/model.json')).toBe(goodRecord);
  });
});
