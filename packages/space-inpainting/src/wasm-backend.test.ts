import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@asng/core';
import { randomArchitecture } from '@asng/testing';
import { setupWasmTraining } from '@asng/tfjs-wasm-training';
import { describe, expect, it } from 'vitest';
import { createInpaintingSpace } from './inpainting-space.js';

describe('on the wasm backend (with @asng/tfjs-wasm-training)', () => {
  it('gives the losses and gradients of the cpu backend, down nodes with 1x1 kernels included', async () => {
    await setupWasmTraining({ activate: false });
    const space = createInpaintingSpace({ encoding: 'categorical', nodes: 6, levelBack: 3, channels: [2, 3, 5] });
    const task = { inputShape: [12, 12, 3], classes: 0 } as const;
    const rng = new Rng(3);
    const architectures = Array.from({ length: 8 }, () => randomArchitecture(space.variables, rng));
    const layers = architectures.flatMap((a) => space.plan(a, task).layers);
    expect(layers.some((l) => l.kernel === 1 && l.stride === 2)).toBe(true);
    expect(layers.some((l) => l.kernel === 5 && l.stride === 2)).toBe(true);
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const supernet = space.createSupernet(task, new Rng(1));
      const images = tf.randomUniform([2, 12, 12, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
      const batch = space.toBatch(images, null, task, new Rng(2));
      const names = new Map(supernet.weights.map((w) => [w.variable.name, w.name]));
      const out = architectures.map((a) => {
        const { value, grads } = tf.variableGrads(() => supernet.loss(a, batch, { training: true }));
        const result = {
          loss: value.dataSync()[0]!,
          grads: new Map(Object.entries(grads).map(([n, g]) => [names.get(n)!, Array.from(g.dataSync())])),
        };
        tf.dispose([value, ...Object.values(grads)]);
        return result;
      });
      tf.dispose([images, batch.inputs, batch.targets]);
      supernet.dispose();
      return out;
    };
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    cpu.forEach((c, i) => {
      const w = wasm[i]!;
      expect(Math.abs(w.loss - c.loss)).toBeLessThan(1e-5 * Math.max(1, c.loss));
      expect([...w.grads.keys()].sort()).toEqual([...c.grads.keys()].sort());
      for (const [name, g] of c.grads) {
        const scale = Math.max(1e-3, ...g.map(Math.abs));
        const other = w.grads.get(name)!;
        expect(Math.max(...g.map((v, k) => Math.abs(v - other[k]!))) / scale).toBeLessThan(1e-4);
      }
    });
    await tf.setBackend('cpu');
  }, 60_000);
});
