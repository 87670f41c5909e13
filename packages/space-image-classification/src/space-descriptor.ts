import { defineSpaceDescriptor } from '@asng/core';
import { createImageClassificationSpace } from './image-classification-space.js';

/**
 * The image-classification space for tools that offer spaces by name (the
 * `asng` CLI: `--space image-classification --space-option cells=8`): its
 * options with their defaults and ranges, and `channels` as the width that a
 * parameter budget chooses, one channel at a time.
 */
export const spaceDescriptor = defineSpaceDescriptor({
  name: 'image-classification',
  description: "the paper's ENAS-style micro-cell space for image classification (normal and reduction cells)",
  options: {
    cells: { kind: 'integer', min: 1, default: 8, help: 'number of cells; those at 1/3 and 2/3 of the depth are reduction cells' },
    channels: { kind: 'integer', min: 1, default: 16, help: 'channels of the first cells' },
    nodes: { kind: 'integer', min: 1, default: 5, help: 'nodes per cell' },
    stemMultiplier: { kind: 'integer', min: 1, default: 3, help: 'the stem convolution has channels x stemMultiplier channels' },
    evaluationStatistics: { kind: 'enum', values: ['batch', 'moving'], default: 'batch', help: "batch-norm statistics of the supernet's evaluation" },
    recomputeCells: { kind: 'boolean', default: false, help: 'gradient checkpointing: recompute each cell in the backward pass (less memory)' },
    parameterBudget: {
      kind: 'integer',
      min: 1,
      help: 'budget-width search: the supernet runs each architecture as wide (up to channels) as fits this many parameters',
    },
  },
  width: { option: 'channels', step: 1 },
  create: (options) => createImageClassificationSpace(options),
});
