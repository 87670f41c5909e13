import { defineSpaceDescriptor } from '@asng/core';
import { createInpaintingSpace } from './inpainting-space.js';

/**
 * The inpainting space for tools that offer spaces by name (the `asng` CLI:
 * `--space inpainting --space-option encoding=categorical`): its options with
 * their defaults and ranges. It has no width option (its channels are a list
 * of choices), so the CLI's parameter budgets of retraining do not apply;
 * `parameterBudget` (no default) makes the search a budget-width search.
 */
export const spaceDescriptor = defineSpaceDescriptor({
  name: 'inpainting',
  description: "the paper's convolutional-autoencoder space for image inpainting (categorical or mixed encoding)",
  options: {
    encoding: {
      kind: 'enum',
      values: ['categorical', 'mixed'],
      default: 'mixed',
      help: 'categorical: every gene a choice; mixed: kernel index and channels searched as integers',
    },
    nodes: { kind: 'integer', min: 1, default: 20, help: 'convolution nodes in the chain' },
    levelBack: { kind: 'integer', min: 1, default: 5, help: 'a node reads one of the previous levelBack nodes' },
    kernelSizes: { kind: 'number-list', integer: true, min: 1, default: [1, 3, 5], help: 'kernel sizes, odd' },
    channels: { kind: 'number-list', integer: true, min: 1, default: [8, 16, 32], help: 'channel counts (the paper: 64,128,256)' },
    mask: { kind: 'enum', values: ['center', 'random-pixel', 'random-half'], default: 'center', help: 'the corruption of the inputs' },
    parameterBudget: {
      kind: 'integer',
      min: 1,
      help: 'budget-width search: the supernet runs each architecture with its channels scaled to the widest that fits this many weights',
    },
    supernetChannels: {
      kind: 'integer',
      min: 1,
      help: 'channels the supernet stores per node, the widest any node runs (default: the largest of channels)',
    },
    holeWeight: {
      kind: 'number',
      min: 0,
      default: 0,
      help: "extra weight of the dropped pixels in the supernet's loss: each counts 1 + holeWeight times (the paper: 0)",
    },
    selectionHoleWeight: {
      kind: 'number',
      min: 0,
      help: 'the hole weight of the loss the distribution step ranks architectures by (default: holeWeight)',
    },
  },
  create: (options) => createInpaintingSpace(options),
});
