import { categorical, integer, type Architecture, type Variable } from '@asng/core';

/** How the architecture variables are encoded for the search distribution. */
export type InpaintingEncoding = 'categorical' | 'mixed';

/** The shape of the chain of convolution nodes, shared by every part of the space. */
export interface ChainSpec {
  /** Categorical or mixed encoding. */
  readonly encoding: InpaintingEncoding;
  /** Number of convolution nodes in the chain. */
  readonly nodes: number;
  /** How many preceding nodes (the input image counting as one) a node may take its input from. */
  readonly levelBack: number;
  /** Kernel sizes, odd, in the order of the choices (the mixed encoding searches an index into them, from 1). */
  readonly kernelSizes: readonly number[];
  /** Channel counts: the choices of the categorical encoding; the mixed encoding searches the integers in `[min, max]`. */
  readonly channels: readonly number[];
}

/** One convolution node as chosen by an architecture. */
export interface NodeGene {
  /** Kernel size of the convolution and of its mirrored transposed convolution. */
  readonly kernel: number;
  /** `'down'`: stride 2; `'skip'`: stride 1, and the encoder output is added to the decoder output. */
  readonly type: 'skip' | 'down';
  /** Output channels. */
  readonly channels: number;
  /** The node this one reads: `-1` for the input image, `j` for node `j`. */
  readonly input: number;
}

/** An architecture read into node genes. */
export interface ChainGenes {
  /** One gene per convolution node, in chain order. */
  readonly nodes: readonly NodeGene[];
  /** The node the output layer reads: `-1` for the input image (only when the chain is shorter than the level-back). */
  readonly outputInput: number;
}

/** The label of a node (or the input image, `-1`) as used in the `*.input` variables. */
export function nodeLabel(index: number): string {
  return index < 0 ? 'input' : `node${index}`;
}

/** The nodes that node `i` may read (the output layer is `i = nodes`), oldest first; `-1` is the input image. */
export function inputCandidates(i: number, levelBack: number): number[] {
  const first = Math.max(i - levelBack, -1);
  return Array.from({ length: i - first }, (_, t) => first + t);
}

/** The label of a categorical-encoding module choice: `'skip-3x3'`, `'down-5x5'`. */
export function moduleLabel(kernel: number, type: 'skip' | 'down'): string {
  return `${type}-${kernel}x${kernel}`;
}

/**
 * The variables of the chain, in the authors' order. Categorical encoding, per
 * node: `node{i}.module` (kernel x {skip, down}), `node{i}.channels`,
 * `node{i}.input`; then the output layer's `output.module` and
 * `output.channels` (one fixed choice each, as in the authors' encoding) and
 * `output.input`. Mixed encoding, per node: `node{i}.type` (`'down'` or
 * `'skip'`), the integers `node{i}.kernelIndex` in `[1, kernelSizes.length]`
 * and `node{i}.channels` in `[min, max]` of `channels`, and `node{i}.input`;
 * then `output.input`.
 */
export function chainVariables(spec: ChainSpec): Variable[] {
  const out: Variable[] = [];
  const inputOf = (i: number, owner: string) =>
    categorical(`${owner}.input`, inputCandidates(i, spec.levelBack).map(nodeLabel), `the node that ${owner === 'output' ? 'the output layer' : owner} reads`);
  const minChannels = Math.min(...spec.channels);
  const maxChannels = Math.max(...spec.channels);
  for (let i = 0; i < spec.nodes; i++) {
    const name = `node${i}`;
    if (spec.encoding === 'categorical') {
      const modules = spec.kernelSizes.flatMap((k) => [moduleLabel(k, 'skip'), moduleLabel(k, 'down')]);
      out.push(categorical(`${name}.module`, modules, `kernel and type of ${name}: skip (stride 1, skip connection) or down (stride 2)`));
      out.push(categorical(`${name}.channels`, [...spec.channels], `output channels of ${name}`));
    } else {
      out.push(categorical(`${name}.type`, ['down', 'skip'], `down (stride 2) or skip (stride 1, skip connection) for ${name}`));
      out.push(
        integer(`${name}.kernelIndex`, 1, spec.kernelSizes.length, {
          description: `kernel of ${name}: 1-based index into [${spec.kernelSizes.join(', ')}]`,
        }),
      );
      out.push(integer(`${name}.channels`, minChannels, maxChannels, { description: `output channels of ${name}` }));
    }
    out.push(inputOf(i, name));
  }
  if (spec.encoding === 'categorical') {
    out.push(categorical('output.module', ['deconv3x3'], 'the output layer: a 3x3 transposed convolution (fixed)'));
    out.push(categorical('output.channels', ['image'], 'output channels: those of the image (fixed)'));
  }
  out.push(inputOf(spec.nodes, 'output'));
  return out;
}

function parseInput(value: unknown, where: string): number {
  if (value === 'input') return -1;
  const match = typeof value === 'string' ? /^node(\d+)$/.exec(value) : null;
  if (match === null) throw new TypeError(`${where}: expected 'input' or 'node<j>', got ${JSON.stringify(value)}`);
  return Number(match[1]);
}

/** Reads an architecture of the space described by `spec` into node genes. */
export function decodeChain(spec: ChainSpec, architecture: Architecture): ChainGenes {
  const nodes: NodeGene[] = [];
  for (let i = 0; i < spec.nodes; i++) {
    const name = `node${i}`;
    const input = parseInput(architecture[`${name}.input`], `${name}.input`);
    if (spec.encoding === 'categorical') {
      const module = String(architecture[`${name}.module`]);
      const match = /^(skip|down)-(\d+)x\d+$/.exec(module);
      if (match === null) throw new TypeError(`${name}.module: expected a label like 'skip-3x3', got ${JSON.stringify(module)}`);
      nodes.push({ type: match[1] as 'skip' | 'down', kernel: Number(match[2]), channels: Number(architecture[`${name}.channels`]), input });
    } else {
      const index = Number(architecture[`${name}.kernelIndex`]);
      const kernel = spec.kernelSizes[index - 1];
      if (kernel === undefined) throw new TypeError(`${name}.kernelIndex: expected an integer in [1, ${spec.kernelSizes.length}], got ${index}`);
      const type = architecture[`${name}.type`];
      if (type !== 'skip' && type !== 'down') throw new TypeError(`${name}.type: expected 'skip' or 'down', got ${JSON.stringify(type)}`);
      nodes.push({ type, kernel, channels: Number(architecture[`${name}.channels`]), input });
    }
  }
  return { nodes, outputInput: parseInput(architecture['output.input'], 'output.input') };
}

/** The nodes on the path from the input image to the output layer, in chain order. */
export function activeNodes(genes: ChainGenes): number[] {
  const path: number[] = [];
  for (let at = genes.outputInput; at >= 0; at = genes.nodes[at]!.input) path.push(at);
  return path.reverse();
}

/** One encoder layer of an architecture, and its mirrored decoder layer. */
export interface PlannedLayer {
  /** The chain node. */
  readonly node: number;
  /** Kernel size of the convolution and of the mirrored transposed convolution. */
  readonly kernel: number;
  /** Skip (stride 1, skip connection) or down (stride 2). */
  readonly type: 'skip' | 'down';
  /** 2 for a down node, 1 for a skip node. */
  readonly stride: 1 | 2;
  /** Channels of the encoder input (and of what the decoder layer mirrors back to). */
  readonly inChannels: number;
  /** Channels of the encoder output, and of the decoder layer's output. */
  readonly outChannels: number;
  /** Channels the decoder layer reads: the encoder output of the last layer, else the next layer's decoder output. */
  readonly decoderInChannels: number;
  /** Spatial size of the encoder input, `[height, width]`; the decoder layer restores it. */
  readonly inputSize: readonly [number, number];
  /** Spatial size of the encoder output. */
  readonly outputSize: readonly [number, number];
}

/** The network an architecture computes on images of a given size. */
export interface ChainPlan {
  /** The active nodes as traced back from the output, in chain order. */
  readonly active: readonly number[];
  /** The encoder layers that run: the active nodes less the down nodes met when the map is already 1 pixel high or wide. */
  readonly layers: readonly PlannedLayer[];
  /** Channels the output layer reads. */
  readonly outputInChannels: number;
  /** The working size: the image size rounded up to powers of two, so that every down node halves exactly and the decoder mirrors it. */
  readonly workingSize: readonly [number, number];
}

/** The smallest power of two `>= n`. */
export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * Plans the encoder and the mirrored decoder of `genes` for images of
 * `height x width x imageChannels`: as in the authors' code, a down node
 * whose input is already 1 pixel high or wide is left out.
 */
export function planChain(genes: ChainGenes, height: number, width: number, imageChannels: number): ChainPlan {
  const active = activeNodes(genes);
  let size: [number, number] = [nextPowerOfTwo(height), nextPowerOfTwo(width)];
  const workingSize = size;
  let channels = imageChannels;
  const partial: Omit<PlannedLayer, 'decoderInChannels'>[] = [];
  for (const node of active) {
    const gene = genes.nodes[node]!;
    if (gene.type === 'down' && (size[0] === 1 || size[1] === 1)) continue;
    const stride = gene.type === 'down' ? 2 : 1;
    const outputSize: [number, number] = [size[0] / stride, size[1] / stride];
    partial.push({ node, kernel: gene.kernel, type: gene.type, stride, inChannels: channels, outChannels: gene.channels, inputSize: size, outputSize });
    size = outputSize;
    channels = gene.channels;
  }
  const layers = partial.map((layer, j) => ({
    ...layer,
    decoderInChannels: j === partial.length - 1 ? layer.outChannels : partial[j + 1]!.outChannels,
  }));
  return { active, layers, outputInChannels: layers.length > 0 ? layers[0]!.outChannels : imageChannels, workingSize };
}

/** The number of weights (no biases in this space) of the standalone model of a {@link ChainPlan}, as `countParams()` of `buildModel` reports. */
export function planParameterCount(plan: ChainPlan, imageChannels: number): number {
  let total = 9 * imageChannels * plan.outputInChannels;
  for (const l of plan.layers) total += l.kernel * l.kernel * (l.inChannels * l.outChannels + l.outChannels * l.decoderInChannels);
  return total;
}
