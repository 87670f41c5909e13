import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { Rng, type Architecture, type Supernet, type TaskSpec } from '@asng/core';
import { describeSearchSpace, randomArchitecture } from '@asng/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeChain, planChain, planParameterCount } from './architecture.js';
import { budgetWidthPlanner, scaleChainChannels, widestScalingWithin } from './budget-width.js';
import { createInpaintingSpace } from './inpainting-space.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const task: TaskSpec = { inputShape: [16, 16, 1], classes: 0 };
const tiny = { encoding: 'mixed', nodes: 4, levelBack: 2, channels: [2, 4] } as const;

describeSearchSpace('inpainting, budget width', () => createInpaintingSpace({ ...tiny, supernetChannels: 8, parameterBudget: 1500 }), { task });

/** Every node a skip node of kernel `kernel` and the widest channels, in a line: the same structure at another kernel. */
function line(kernel: number): Architecture {
  const a: Record<string, string | number> = { 'output.input': 'node3' };
  for (let i = 0; i < 4; i++) {
    a[`node${i}.type`] = 'skip';
    a[`node${i}.kernelIndex`] = [1, 3, 5].indexOf(kernel) + 1;
    a[`node${i}.channels`] = 4;
    a[`node${i}.input`] = i === 0 ? 'input' : `node${i - 1}`;
  }
  return a;
}

describe('scaleChainChannels and widestScalingWithin', () => {
  const space = createInpaintingSpace(tiny);
  const count = (a: Architecture, width: number) => planParameterCount(planChain(scaleChainChannels(decodeChain(space.chain, a), width, 4), 16, 16, 1), 1);

  it('scale every node by width / widest, rounded, at least 1, and keep the rest', () => {
    const genes = decodeChain(space.chain, randomArchitecture(space.variables, new Rng(2)));
    expect(scaleChainChannels(genes, 4, 4)).toEqual(genes);
    const scaled = scaleChainChannels(genes, 10, 4);
    expect(scaled.outputInput).toBe(genes.outputInput);
    scaled.nodes.forEach((g, i) => expect(g).toEqual({ ...genes.nodes[i]!, channels: Math.max(1, Math.round((genes.nodes[i]!.channels * 10) / 4)) }));
    expect(scaleChainChannels(genes, 1, 4).nodes.every((g) => g.channels === 1)).toBe(true);
  });

  it('give the widest scaling within the budget (one step wider exceeds it, unless capped)', () => {
    const rng = new Rng(3);
    const widths: number[] = [];
    for (let i = 0; i < 12; i++) {
      const a = randomArchitecture(space.variables, rng);
      const s = widestScalingWithin(decodeChain(space.chain, a), { widest: 4, inputShape: [16, 16, 1], budget: 2000, maxWidth: 64 });
      expect(s.plan).toEqual(planChain(s.genes, 16, 16, 1));
      expect(s.parameters).toBe(count(a, s.width));
      expect(s.parameters).toBeLessThanOrEqual(2000);
      if (s.width < 64) expect(count(a, s.width + 1)).toBeGreaterThan(2000);
      widths.push(s.width);
    }
    expect(new Set(widths).size).toBeGreaterThan(1);
    const capped = widestScalingWithin(decodeChain(space.chain, line(3)), { widest: 4, inputShape: [16, 16, 1], budget: 1e9, maxWidth: 7 });
    expect(capped.width).toBe(7);
    expect(() => widestScalingWithin(decodeChain(space.chain, line(3)), { widest: 4, inputShape: [16, 16, 1], budget: 10, maxWidth: 7 })).toThrow(
      /^the chain has \d+ weights at width 1, more than the budget of 10$/,
    );
  });
});

describe('budgetWidthPlanner', () => {
  const space = createInpaintingSpace(tiny);
  const genesOf = (a: Architecture) => decodeChain(space.chain, a);

  it('runs a light architecture wider than a heavy one, up to supernetChannels, and memoizes the plan', () => {
    const planner = budgetWidthPlanner({ widest: 4, supernetChannels: 64, parameterBudget: 3000 }, genesOf);
    const light = planner(line(1), task.inputShape);
    const heavy = planner(line(5), task.inputShape);
    expect(light.layers[0]!.outChannels).toBeGreaterThan(heavy.layers[0]!.outChannels);
    expect(planner(line(1), task.inputShape)).toBe(light);
    expect(planner({ ...line(1) }, [8, 8, 1])).not.toBe(light);
    const capped = budgetWidthPlanner({ widest: 4, supernetChannels: 6, parameterBudget: 1e9 }, genesOf);
    expect(capped(line(5), task.inputShape).layers.map((l) => l.outChannels)).toEqual([6, 6, 6, 6]);
  });

  it('names the architecture and the budget when not even width 1 fits', () => {
    const planner = budgetWidthPlanner({ widest: 4, supernetChannels: 8, parameterBudget: 20 }, genesOf);
    expect(() => planner(line(3), task.inputShape)).toThrow(
      /^parameterBudget: architecture \{.*"node0\.type":"skip".*\} has \d+ weights at width 1, more than the budget of 20$/,
    );
    const net = createInpaintingSpace({ ...tiny, parameterBudget: 20 }).createSupernet(task, new Rng(1));
    const inputs = tf.zeros([1, 16, 16, 1]) as tf.Tensor4D;
    expect(() => net.apply(line(3), inputs, { training: false })).toThrow(RangeError);
    inputs.dispose();
    net.dispose();
  });

  it('options are validated by the space', () => {
    expect(() => createInpaintingSpace({ ...tiny, parameterBudget: 0 })).toThrow('createInpaintingSpace: parameterBudget: expected an integer >= 1, got 0');
    expect(() => createInpaintingSpace({ ...tiny, parameterBudget: 1.5 })).toThrow(/parameterBudget: expected an integer >= 1, got 1.5/);
    expect(() => createInpaintingSpace({ ...tiny, supernetChannels: 3 })).toThrow(
      'createInpaintingSpace: supernetChannels: expected an integer >= the largest of channels (4), got 3',
    );
    expect(() => createInpaintingSpace({ ...tiny, supernetChannels: 6.5 })).toThrow(/supernetChannels/);
  });
});

describe('a budget-width supernet', () => {
  const wide = 12;
  const budget = 2500;

  /** Copies the leading slices of `from`'s weights into `to`'s (the same names). */
  function copyLeading(from: Supernet, to: Supernet) {
    const source = new Map(from.weights.map((w) => [w.name, w.variable]));
    for (const w of to.weights)
      w.variable.assign(
        tf.tidy(() =>
          tf.slice(
            source.get(w.name)!,
            w.variable.shape.map(() => 0),
            w.variable.shape,
          ),
        ),
      );
  }

  it('without parameterBudget is the plain supernet: the same weights and loss', () => {
    const a = randomArchitecture(createInpaintingSpace(tiny).variables, new Rng(4));
    const plain = createInpaintingSpace(tiny);
    const same = createInpaintingSpace({ ...tiny, supernetChannels: 4 });
    expect(same.supernetPlan(a, task)).toEqual(plain.plan(a, task));
    expect(same.supernetWeightCount(task)).toBe(plain.supernetWeightCount(task));
    const [x, y] = [plain.createSupernet(task, new Rng(5)), same.createSupernet(task, new Rng(5))];
    x.weights.forEach((w, i) => expect(Array.from(w.variable.dataSync())).toEqual(Array.from(y.weights[i]!.variable.dataSync())));
    const inputs = tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const batch = { inputs, targets: inputs };
    const [lx, ly] = [x.loss(a, batch, { training: true }), y.loss(a, batch, { training: true })];
    expect(lx.dataSync()[0]).toBe(ly.dataSync()[0]);
    tf.dispose([lx, ly, inputs]);
    x.dispose();
    y.dispose();
  });

  it('runs each architecture scaled, on the leading channels of the wide weights: loss and gradients', async () => {
    const rng = new Rng(11);
    const space = createInpaintingSpace({ ...tiny, supernetChannels: wide, parameterBudget: budget });
    // An architecture the budget scales to a width in [2, wide).
    let architecture: Architecture;
    let width: number;
    do {
      architecture = randomArchitecture(space.variables, rng);
      width = widestScalingWithin(decodeChain(space.chain, architecture), { widest: 4, inputShape: task.inputShape, budget, maxWidth: wide }).width;
    } while (width < 2 || width >= wide);
    const genes = scaleChainChannels(decodeChain(space.chain, architecture), width, 4);
    expect(space.supernetPlan(architecture, task)).toEqual(planChain(genes, 16, 16, 1));
    // The plain space of channels [1, width] runs the scaled architecture as it is.
    const narrowSpace = createInpaintingSpace({ ...tiny, channels: [1, width] });
    const scaled = { ...architecture, ...Object.fromEntries(genes.nodes.map((g, i) => [`node${i}.channels`, g.channels])) };
    const wideNet = space.createSupernet(task, new Rng(5));
    const narrowNet = narrowSpace.createSupernet(task, new Rng(6));
    copyLeading(wideNet, narrowNet);
    const inputs = tf.randomUniform([3, 16, 16, 1], 0, 1, 'float32', 9) as tf.Tensor4D;
    const targets = tf.randomUniform([3, 16, 16, 1], 0, 1, 'float32', 10) as tf.Tensor4D;
    const batch = { inputs, targets };
    const gradsOf = (net: Supernet, a: Architecture) => {
      const trainable = net.weights.map((w) => w.variable);
      const { value, grads } = tf.variableGrads(() => net.loss(a, batch, { training: true }), trainable);
      const byName = new Map(net.weights.filter((w) => grads[w.variable.name] !== undefined).map((w) => [w.name, grads[w.variable.name]!]));
      const loss = value.dataSync()[0]!;
      value.dispose();
      return { loss, byName };
    };
    const before = tf.memory().numTensors;
    const w = gradsOf(wideNet, architecture);
    const n = gradsOf(narrowNet, scaled);
    expect(w.loss).toBeCloseTo(n.loss, 5);
    expect((await wideNet.evaluate(architecture, batch)).psnr!).toBeCloseTo((await narrowNet.evaluate(scaled, batch)).psnr!, 3);
    let compared = 0;
    expect([...w.byName.keys()].sort()).toEqual([...n.byName.keys()].sort());
    for (const [name, g] of n.byName) {
      const gw = w.byName.get(name)!;
      tf.tidy(() => {
        const slice = tf.slice(
          gw,
          g.shape.map(() => 0),
          g.shape,
        );
        const scale = Math.max(1e-6, tf.max(tf.abs(g)).dataSync()[0]!);
        expect(tf.max(tf.abs(tf.sub(slice, g))).dataSync()[0]!).toBeLessThan(1e-4 * scale);
        // Nothing outside the leading slice moves.
        expect(tf.sum(tf.abs(gw)).dataSync()[0]!).toBeCloseTo(tf.sum(tf.abs(slice)).dataSync()[0]!, 4);
      });
      compared++;
    }
    expect(compared).toBeGreaterThan(2);
    tf.dispose([...w.byName.values(), ...n.byName.values()]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([inputs, targets]);
    wideNet.dispose();
    narrowNet.dispose();
  });

  it('does not leak over repeated steps', async () => {
    const rng = new Rng(12);
    const space = createInpaintingSpace({ ...tiny, supernetChannels: wide, parameterBudget: budget });
    const net = space.createSupernet(task, new Rng(7));
    const inputs = tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 10) as tf.Tensor4D;
    const batch = { inputs, targets: inputs };
    const trainable = net.weights.map((w) => w.variable);
    let before = 0;
    for (let step = 0; step < 4; step++) {
      if (step === 1) before = tf.memory().numTensors;
      const a = randomArchitecture(space.variables, rng);
      const { value, grads } = tf.variableGrads(() => net.loss(a, batch, { training: true }), trainable);
      tf.dispose([value, ...Object.values(grads)]);
      expect((await net.evaluate(a, batch)).loss).toBeGreaterThan(0);
      tf.dispose(net.apply(a, inputs, { training: false }));
    }
    expect(tf.memory().numTensors).toBe(before);
    inputs.dispose();
    net.dispose();
  });
});
