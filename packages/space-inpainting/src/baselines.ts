import * as tf from '@tensorflow/tfjs-core';
import type { Architecture, TaskSpec } from '@asng/core';
import { inputCandidates, moduleLabel, nodeLabel, planParameterCount } from './architecture.js';

export { planParameterCount };
import type { InpaintingSpace } from './inpainting-space.js';

/**
 * The mean-fill baseline: every masked pixel of an image becomes the mean of
 * that image's visible pixels, channel by channel; visible pixels are kept.
 * No training. `keep` is `[n, height, width, 1]`, `1` for a visible pixel
 * (as returned by `corruptImages`): the mask must be given, since a visible
 * pixel may be black. An image with no visible pixel is filled with zeros.
 * Returns a new tensor.
 */
export function meanFill(inputs: tf.Tensor4D, keep: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w] = inputs.shape;
  if (keep.shape.length !== 4 || keep.shape[0] !== n || keep.shape[1] !== h || keep.shape[2] !== w || keep.shape[3] !== 1) {
    throw new RangeError(`meanFill: keep must have shape [${n}, ${h}, ${w}, 1], got [${keep.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const visible = tf.mul(inputs, keep);
    const counts = tf.maximum(tf.sum(keep, [1, 2], true), 1);
    const means = tf.div(tf.sum(visible, [1, 2], true), counts);
    return tf.add(visible, tf.mul(means, tf.sub(1, keep))) as tf.Tensor4D;
  });
}

/** One encoder layer of {@link handWrittenAutoencoder}: its decoder mirror follows from the space's rules. */
export interface HandWrittenLayer {
  /** `'down'`: stride 2; `'skip'`: stride 1, with a skip connection to the mirrored decoder layer. */
  readonly type: 'skip' | 'down';
  /** Kernel size, one of the space's. */
  readonly kernel: number;
}

/** Options of {@link handWrittenAutoencoder}. */
export interface HandWrittenAutoencoderOptions {
  /** Output channels of every encoder layer; one of the space's channel choices (categorical) or in its `[min, max]` (mixed). */
  readonly channels: number;
  /**
   * The encoder, in order.
   * @default {@link DEFAULT_HAND_WRITTEN_LAYERS}: a 3x3 skip layer, then three 3x3 down layers
   */
  readonly layers?: readonly HandWrittenLayer[];
}

/**
 * The encoder of the default hand-written autoencoder: a full-resolution 3x3
 * layer whose output the decoder adds back (as in a U-Net's first level),
 * then three 3x3 stride-2 layers, which see the whole of a 32x32 image's
 * centre hole at the 4x4 bottleneck.
 */
export const DEFAULT_HAND_WRITTEN_LAYERS: readonly HandWrittenLayer[] = [
  { type: 'skip', kernel: 3 },
  { type: 'down', kernel: 3 },
  { type: 'down', kernel: 3 },
  { type: 'down', kernel: 3 },
];

/**
 * A fixed, hand-written convolutional autoencoder written as an architecture
 * of `space`, so that `space.buildModel` builds it and the engine's
 * `retrain` trains it exactly as it trains a searched one (the same budget,
 * optimizer and schedule): the baseline of the paper's comparison. The
 * layers sit on chain nodes spread evenly between the input image and the
 * output layer, each reading the one before (which the level-back must
 * allow); the other nodes are inactive.
 *
 * @throws RangeError naming the option when a kernel or the channel count is
 *   not one of the space's, or the chain cannot hold the layers.
 */
export function handWrittenAutoencoder(space: InpaintingSpace, options: HandWrittenAutoencoderOptions): Architecture {
  const { chain } = space;
  const layers = options.layers ?? DEFAULT_HAND_WRITTEN_LAYERS;
  const where = 'handWrittenAutoencoder';
  const [minC, maxC] = [Math.min(...chain.channels), Math.max(...chain.channels)];
  const channelsOk =
    Number.isInteger(options.channels) &&
    (chain.encoding === 'categorical' ? chain.channels.includes(options.channels) : options.channels >= minC && options.channels <= maxC);
  if (!channelsOk) {
    const allowed = chain.encoding === 'categorical' ? `one of [${chain.channels.join(', ')}]` : `an integer in [${minC}, ${maxC}]`;
    throw new RangeError(`${where}: channels must be ${allowed} (the space's), got ${options.channels}`);
  }
  if (layers.length === 0) throw new RangeError(`${where}: layers must hold at least one layer`);
  for (const [i, l] of layers.entries()) {
    if (!chain.kernelSizes.includes(l.kernel))
      throw new RangeError(`${where}: layers[${i}].kernel must be one of [${chain.kernelSizes.join(', ')}], got ${l.kernel}`);
    if (l.type !== 'skip' && l.type !== 'down') throw new RangeError(`${where}: layers[${i}].type must be 'skip' or 'down', got ${JSON.stringify(l.type)}`);
  }
  // Active nodes spread evenly between the input image (-1) and the output layer (nodes).
  const count = layers.length;
  const positions = Array.from({ length: count }, (_, j) => Math.round(((j + 1) * (chain.nodes + 1)) / (count + 1)) - 1);
  const reads = positions.map((_p, j) => (j === 0 ? -1 : positions[j - 1]!));
  const fits =
    count <= chain.nodes &&
    positions.every((p, j) => inputCandidates(p, chain.levelBack).includes(reads[j]!)) &&
    inputCandidates(chain.nodes, chain.levelBack).includes(positions.at(-1)!);
  if (!fits) {
    throw new RangeError(
      `${where}: a chain of ${chain.nodes} nodes with level-back ${chain.levelBack} cannot hold ${count} layers spread over it (each must read the one before)`,
    );
  }
  const architecture: Record<string, string | number> = { 'output.input': nodeLabel(positions.at(-1)!) };
  if (chain.encoding === 'categorical') Object.assign(architecture, { 'output.module': 'deconv3x3', 'output.channels': 'image' });
  for (let i = 0; i < chain.nodes; i++) {
    const j = positions.indexOf(i);
    const layer = j >= 0 ? layers[j]! : { type: 'skip' as const, kernel: chain.kernelSizes[0]! };
    const input = j >= 0 ? reads[j]! : inputCandidates(i, chain.levelBack)[0]!;
    architecture[`node${i}.input`] = nodeLabel(input);
    if (chain.encoding === 'categorical') {
      architecture[`node${i}.module`] = moduleLabel(layer.kernel, layer.type);
      architecture[`node${i}.channels`] = j >= 0 ? options.channels : chain.channels[0]!;
    } else {
      architecture[`node${i}.type`] = layer.type;
      architecture[`node${i}.kernelIndex`] = chain.kernelSizes.indexOf(layer.kernel) + 1;
      architecture[`node${i}.channels`] = j >= 0 ? options.channels : minC;
    }
  }
  return architecture;
}

/** A {@link handWrittenAutoencoder} and its size. */
export interface MatchedAutoencoder {
  readonly architecture: Architecture;
  /** The width chosen for every layer. */
  readonly channels: number;
  /** Its number of weights on the task. */
  readonly parameters: number;
}

/**
 * The {@link handWrittenAutoencoder} whose number of weights on `task` is
 * nearest `parameters` (for example a searched model's), over every channel
 * count the space allows: the hand-written baseline "of similar size".
 */
export function matchedAutoencoder(
  space: InpaintingSpace,
  task: TaskSpec,
  parameters: number,
  layers: readonly HandWrittenLayer[] = DEFAULT_HAND_WRITTEN_LAYERS,
): MatchedAutoencoder {
  const { chain } = space;
  const [minC, maxC] = [Math.min(...chain.channels), Math.max(...chain.channels)];
  const widths = chain.encoding === 'categorical' ? [...chain.channels] : Array.from({ length: maxC - minC + 1 }, (_, i) => minC + i);
  let best: MatchedAutoencoder | undefined;
  for (const channels of widths) {
    const architecture = handWrittenAutoencoder(space, { channels, layers });
    const count = planParameterCount(space.plan(architecture, task), task.inputShape[2]);
    if (best === undefined || Math.abs(count - parameters) < Math.abs(best.parameters - parameters)) best = { architecture, channels, parameters: count };
  }
  return best!;
}
