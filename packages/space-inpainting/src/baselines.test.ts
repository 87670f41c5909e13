import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { Rng, validateArchitecture, type TaskSpec } from '@asng/core';
import { randomArchitecture } from '@asng/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HAND_WRITTEN_LAYERS, handWrittenAutoencoder, matchedAutoencoder, meanFill, planParameterCount } from './baselines.js';
import { createInpaintingSpace } from './inpainting-space.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('meanFill', () => {
  it('fills the hole with the mean of the visible pixels, per image and channel, black visible pixels included', async () => {
    // Image 0 (2x2, 2 channels): pixel (0, 1) is masked; the visible ones, (0, 0) black among them, average to [1/3, 2].
    // Image 1: all masked, so it becomes zeros.
    const inputs = tf.tensor4d([0, 0, 0, 0, 0.4, 3, 0.6, 3, 5, 5, 5, 5, 5, 5, 5, 5], [2, 2, 2, 2]);
    const keep = tf.tensor4d([1, 0, 1, 1, 0, 0, 0, 0], [2, 2, 2, 1]);
    const before = tf.memory().numTensors;
    const out = meanFill(inputs, keep);
    expect(tf.memory().numTensors).toBe(before + 1);
    const values = Array.from(await out.data());
    const expected = [0, 0, 1 / 3, 2, 0.4, 3, 0.6, 3, 0, 0, 0, 0, 0, 0, 0, 0];
    values.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    tf.dispose([inputs, keep, out]);
  });

  it('rejects a mask of the wrong shape', () => {
    const inputs = tf.zeros([1, 2, 2, 3]) as tf.Tensor4D;
    const keep = tf.ones([1, 2, 2, 3]) as tf.Tensor4D;
    expect(() => meanFill(inputs, keep)).toThrow(/meanFill: keep must have shape \[1, 2, 2, 1\], got \[1, 2, 2, 3\]/);
    tf.dispose([inputs, keep]);
  });
});

describe("planParameterCount and the space's countParameters", () => {
  for (const encoding of ['categorical', 'mixed'] as const) {
    it(`equals countParams() of the standalone model (${encoding})`, () => {
      const space = createInpaintingSpace({ encoding, nodes: 6, levelBack: 3, channels: [2, 3, 5] });
      const task: TaskSpec = { inputShape: [12, 12, 3], classes: 0 };
      const rng = new Rng(7);
      for (let k = 0; k < 4; k++) {
        const architecture = randomArchitecture(space.variables, rng);
        const model = space.buildModel(architecture, task, rng);
        expect(planParameterCount(space.plan(architecture, task), 3)).toBe(model.countParams());
        expect(space.countParameters(architecture, task)).toBe(model.countParams());
        model.dispose();
      }
    });
  }
});

describe('handWrittenAutoencoder', () => {
  const task: TaskSpec = { inputShape: [32, 32, 1], classes: 0 };

  for (const encoding of ['categorical', 'mixed'] as const) {
    it(`is an architecture of the space (${encoding}) whose plan is the layers asked for, spread over the chain`, () => {
      const space = createInpaintingSpace({ encoding, nodes: 8, levelBack: 3, channels: [4, 8, 16] });
      const architecture = handWrittenAutoencoder(space, { channels: 8 });
      validateArchitecture(space.variables, architecture);
      const plan = space.plan(architecture, task);
      expect(plan.active).toEqual([1, 3, 4, 6]);
      expect(plan.layers.map((l) => [l.type, l.kernel, l.outChannels, l.inputSize[0]])).toEqual(
        DEFAULT_HAND_WRITTEN_LAYERS.map((l, i) => [l.type, l.kernel, 8, [32, 32, 16, 8][i]]),
      );
      const custom = handWrittenAutoencoder(space, {
        channels: 16,
        layers: [
          { type: 'down', kernel: 5 },
          { type: 'skip', kernel: 1 },
        ],
      });
      expect(space.plan(custom, task).layers.map((l) => [l.node, l.type, l.kernel, l.outChannels])).toEqual([
        [2, 'down', 5, 16],
        [5, 'skip', 1, 16],
      ]);
      // One node cannot both read the image and be read by the output layer 3 nodes from the end.
      expect(() => handWrittenAutoencoder(space, { channels: 16, layers: [{ type: 'down', kernel: 5 }] })).toThrow(/cannot hold 1 layers/);
    });
  }

  it('names what does not fit the space', () => {
    const categorical = createInpaintingSpace({ encoding: 'categorical', nodes: 8, levelBack: 3, channels: [4, 8, 16] });
    const mixed = createInpaintingSpace({ encoding: 'mixed', nodes: 8, levelBack: 1, channels: [4, 16] });
    expect(() => handWrittenAutoencoder(categorical, { channels: 6 })).toThrow(/channels must be one of \[4, 8, 16\] \(the space's\), got 6/);
    expect(() => handWrittenAutoencoder(mixed, { channels: 17 })).toThrow(/channels must be an integer in \[4, 16\]/);
    expect(() => handWrittenAutoencoder(categorical, { channels: 4, layers: [{ type: 'skip', kernel: 7 }] })).toThrow(
      /layers\[0\].kernel must be one of \[1, 3, 5\], got 7/,
    );
    // Level-back 1: every node reads the one before, so 4 layers cannot be spread over 8 nodes.
    expect(() => handWrittenAutoencoder(mixed, { channels: 6 })).toThrow(/8 nodes with level-back 1 cannot hold 4 layers/);
  });
});

describe('matchedAutoencoder', () => {
  it('picks the width whose size is nearest the target, over every width the space allows', () => {
    const space = createInpaintingSpace({ encoding: 'mixed', nodes: 6, levelBack: 3, channels: [4, 24] });
    const task: TaskSpec = { inputShape: [16, 16, 1], classes: 0 };
    const sizes = Array.from({ length: 21 }, (_, i) => planParameterCount(space.plan(handWrittenAutoencoder(space, { channels: 4 + i }), task), 1));
    const target = (sizes[9]! + sizes[10]!) / 2 - 1; // nearer width 13
    const matched = matchedAutoencoder(space, task, target);
    expect(matched.channels).toBe(13);
    expect(matched.parameters).toBe(sizes[9]);
    expect(space.plan(matched.architecture, task).layers.every((l) => l.outChannels === 13)).toBe(true);
    expect(matchedAutoencoder(space, task, 0).channels).toBe(4);
    const categorical = createInpaintingSpace({ encoding: 'categorical', nodes: 6, levelBack: 3, channels: [4, 8, 16] });
    expect(matchedAutoencoder(categorical, task, 1e9).channels).toBe(16);
  });
});
