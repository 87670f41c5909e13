import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/asng.js', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../dist/main.js', import.meta.url)));

/** A minimal search space as a plain JavaScript module, the form the published CLI loads. */
const SPACE = `
import * as tf from '@tensorflow/tfjs-core';
import { categorical } from '@asng/core';
export default function createSpace() {
  return {
    name: 'linear-probe',
    variables: [categorical('scale', [0.5, 1, 2])],
    metric: { name: 'accuracy', higherIsBetter: true },
    toBatch: (images, labels, task) => ({ inputs: tf.clone(images), targets: tf.tidy(() => tf.cast(tf.oneHot(labels, task.classes), 'float32')) }),
    createSupernet(task, rng) {
      const size = task.inputShape.reduce((a, b) => a * b, 1);
      const w = tf.tidy(() => tf.variable(tf.mul(tf.randomNormal([size, task.classes], 0, 1, 'float32', rng.int(1e6)), 0.01), true, 'probe/w' + rng.int(1e9)));
      const apply = (a, x) => tf.tidy(() => tf.mul(tf.matMul(tf.reshape(x, [x.shape[0], size]), w), a.scale));
      const ce = (logits, t) => tf.neg(tf.sum(tf.mul(t, tf.logSoftmax(logits)), 1));
      return {
        weights: [{ name: 'w', variable: w, trainable: true }],
        apply,
        loss: (a, b) => tf.tidy(() => tf.mean(ce(apply(a, b.inputs), b.targets))),
        async evaluate(a, b) {
          const right = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(apply(a, b.inputs), 1), tf.argMax(b.targets, 1)), 'float32')));
          const v = (await right.data())[0];
          right.dispose();
          return { accuracy: v };
        },
        dispose: () => w.dispose(),
      };
    },
    buildModel() { throw new Error('not used'); },
    describe: (a) => ({ text: 'linear probe, logits scaled by ' + a.scale }),
  };
}
`;

describe.skipIf(!built)('Ctrl-C on the published CLI (plain node, dist; run `npm run build` first)', () => {
  it('stops after the current step, writes a checkpoint and exits with 130', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(fileURLToPath(new URL('../', import.meta.url)), '.sigint-'));
    const runDir = mkdtempSync(join(tmpdir(), 'asng-sigint-'));
    try {
      const space = join(dir, 'space.mjs');
      writeFileSync(space, SPACE);
      const child = spawn(
        process.execPath,
        [
          bin,
          'search',
          '--space',
          space,
          '--dataset',
          'fashion-mnist-subset',
          '--run-dir',
          runDir,
          '--batch-size',
          '4',
          '--epochs',
          '100',
          '--backend',
          'cpu',
          '--json',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      let signalled = false;
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (!signalled && /\d+\/\d+ +\d+% ETA/.test(stderr)) {
          signalled = true;
          child.kill('SIGINT');
        }
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      expect(signalled).toBe(true);
      expect(stderr).toContain('Stopping after this step and writing a checkpoint');
      expect(code).toBe(130);
      const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
      expect(result.status).toBe('stopped');
      expect(existsSync(join(runDir, 'checkpoint.bin'))).toBe(true);
      const steps = readFileSync(join(runDir, 'log.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .filter((l) => l.includes('"type":"step"'));
      expect(steps).toHaveLength(result.steps);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(runDir, { recursive: true, force: true });
    }
  });
});
