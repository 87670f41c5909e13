import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { batchTensors, parseSpaceOptions, Rng, scoresOutputs } from '@asng/core';
import { describe, expect, it } from 'vitest';
import { createInpaintingSpace } from './inpainting-space.js';
import { scoreRestorations } from './evaluation.js';
import { spaceDescriptor } from './space-descriptor.js';

describe('the inpainting space descriptor', () => {
  it("shows the factory's defaults: a space of the defaults is the default space", () => {
    // parameterBudget and supernetChannels have no default: without them the search is the paper's.
    const defaults = Object.fromEntries(Object.entries(spaceDescriptor.options).flatMap(([name, spec]) => ('default' in spec ? [[name, spec.default]] : [])));
    expect(spaceDescriptor.create(parseSpaceOptions(spaceDescriptor.options, defaults)).variables).toEqual(createInpaintingSpace().variables);
  });

  it('creates the space of command-line options, and names a bad one', () => {
    const options = parseSpaceOptions(spaceDescriptor.options, {
      encoding: 'categorical',
      nodes: '4',
      levelBack: '2',
      kernelSizes: '1,3',
      channels: '2,4',
      mask: 'random-half',
    });
    const space = spaceDescriptor.create(options);
    expect(space.corruption).toBe('random-half');
    expect(space.variables).toEqual(
      createInpaintingSpace({ encoding: 'categorical', nodes: 4, levelBack: 2, kernelSizes: [1, 3], channels: [2, 4], mask: 'random-half' }).variables,
    );
    expect(() => parseSpaceOptions(spaceDescriptor.options, { mask: 'square' })).toThrow(
      'mask: expected one of center, random-pixel, random-half, got "square"',
    );
    expect(() => parseSpaceOptions(spaceDescriptor.options, { channels: '8,x' })).toThrow('channels: expected comma-separated integers >= 1, got "8,x"');
    expect(() => parseSpaceOptions(spaceDescriptor.options, { parameterBudget: '0' })).toThrow(/parameterBudget: expected an integer >= 1/);
    const budgeted = spaceDescriptor.create(parseSpaceOptions(spaceDescriptor.options, { channels: '2,4', parameterBudget: '3000', supernetChannels: '8' }));
    expect(budgeted.variables).toEqual(createInpaintingSpace({ channels: [2, 4] }).variables);
    expect(budgeted.supernetWeightCount({ inputShape: [16, 16, 1], classes: 0 })).toBe(
      createInpaintingSpace({ channels: [2, 8] }).supernetWeightCount({ inputShape: [16, 16, 1], classes: 0 }),
    );
    const weighted = spaceDescriptor.create(parseSpaceOptions(spaceDescriptor.options, { channels: '2,4', holeWeight: '3' }));
    const images = tf.ones([1, 8, 8, 1]) as tf.Tensor4D;
    const batch = weighted.toBatch(images, null, { inputShape: [8, 8, 1], classes: 0 }, new Rng(0));
    // The dropped pixels are marked 1; the loss weights them 1 + holeWeight.
    expect(Math.max(...batch.lossWeights!.dataSync())).toBe(1);
    tf.dispose([images, ...batchTensors(batch)]);
    const ranked = spaceDescriptor.create(parseSpaceOptions(spaceDescriptor.options, { channels: '2,4', holeWeight: '3', selectionHoleWeight: '10' }));
    const rankedSupernet = ranked.createSupernet({ inputShape: [8, 8, 1], classes: 0 }, new Rng(0));
    expect(rankedSupernet.selectionLoss).toBeTypeOf('function');
    rankedSupernet.dispose();
    expect(() => parseSpaceOptions(spaceDescriptor.options, { selectionHoleWeight: '-1' })).toThrow(/selectionHoleWeight: expected a number >= 0/);
    expect(() => parseSpaceOptions(spaceDescriptor.options, { holeWeight: '-1' })).toThrow(/holeWeight: expected a number >= 0/);
    expect(() => spaceDescriptor.create({ channels: [2, 4], supernetChannels: 3 })).toThrow(
      /supernetChannels: expected an integer >= the largest of channels \(4\)/,
    );
  });

  it('scores outputs as scoreRestorations, with the MSE of the raw outputs', () => {
    const space = createInpaintingSpace({ nodes: 2, levelBack: 2, channels: [2, 4] });
    expect(scoresOutputs(space)).toBe(true);
    const targets = Float32Array.from({ length: 2 * 12 * 12 }, (_, i) => (i % 7) / 7);
    const outputs = targets.map((t, i) => t + (i % 3 === 0 ? 0.2 : -0.1));
    const sums = scoreRestorations(outputs, targets, [2, 12, 12, 1]);
    expect(space.scoreOutputs(outputs, targets, [2, 12, 12, 1])).toEqual({ mse: sums.loss, psnr: sums.psnr, ssim: sums.ssim });
    expect(() => space.scoreOutputs(outputs, targets, [2, 64])).toThrow('expected an NHWC shape, got [2, 64]');
  });
});
