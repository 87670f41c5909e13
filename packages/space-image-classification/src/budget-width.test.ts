import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { Rng, type Architecture, type Supernet, type TaskSpec } from '@asng/core';
import { describeSearchSpace, randomArchitecture } from '@asng/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { budgetWidthPlanner, interleaveChannels, leading, withLeading } from './budget-width.js';
import { countCellModelParameters } from './build-model.js';
import { createImageClassificationSpace } from './image-classification-space.js';
import { planNetwork } from './network-plan.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const task: TaskSpec = { inputShape: [8, 8, 1], classes: 3 };

describeSearchSpace('image-classification, budget width', () => createImageClassificationSpace({ cells: 3, channels: 6, parameterBudget: 2500 }), { task });

/** Every operation of both cell types set to `op`, inputs as `randomArchitecture` drew them. */
function allOps(base: Architecture, op: string): Architecture {
  return Object.fromEntries(Object.entries(base).map(([k, v]) => [k, /\.op\d$/.test(k) ? op : v]));
}

describe('budgetWidthPlanner', () => {
  const space = createImageClassificationSpace({ cells: 3, channels: 4 });
  const count = (a: Architecture, c: number) => countCellModelParameters({ plan: planNetwork(3, c, 3), nodes: 5 }, a, task);

  it('gives each architecture the widest plan within the budget, up to the supernet width', () => {
    const planner = budgetWidthPlanner({ cells: 3, nodes: 5, stemMultiplier: 3, maxChannels: 40, parameterBudget: 6000 }, task);
    const rng = new Rng(3);
    const widths: number[] = [];
    for (let i = 0; i < 12; i++) {
      const a = randomArchitecture(space.variables, rng);
      const plan = planner(a);
      const c = plan.cells[0]!.channels;
      expect(plan).toEqual(planNetwork(3, c, 3));
      expect(count(a, c)).toBeLessThanOrEqual(6000);
      if (c < 40) expect(count(a, c + 1)).toBeGreaterThan(6000);
      widths.push(c);
    }
    expect(new Set(widths).size).toBeGreaterThan(1);
    const base = randomArchitecture(space.variables, rng);
    // Convolutions cost parameters, pooling none: the pooling network runs wider.
    const conv = planner(allOps(base, 'sep_conv_5x5')).cells[0]!.channels;
    const pool = planner(allOps(base, 'max_pool_3x3')).cells[0]!.channels;
    expect(pool).toBeGreaterThan(conv);
    const capped = budgetWidthPlanner({ cells: 3, nodes: 5, stemMultiplier: 3, maxChannels: 5, parameterBudget: 10 ** 9 }, task);
    expect(capped(base).cells[0]!.channels).toBe(5);
  });

  it('names the architecture and the budget when not even one channel fits', () => {
    const planner = budgetWidthPlanner({ cells: 3, nodes: 5, stemMultiplier: 3, maxChannels: 8, parameterBudget: 20 }, task);
    const a = randomArchitecture(space.variables, new Rng(1));
    expect(() => planner(a)).toThrow(/parameterBudget: architecture \{.*\} has \d+ parameters at 1 channel, more than the budget of 20/);
  });

  it('is validated by the space', () => {
    expect(() => createImageClassificationSpace({ parameterBudget: 0 })).toThrow(/parameterBudget: expected an integer >= 1, got 0/);
    expect(() => createImageClassificationSpace({ parameterBudget: 1.5 })).toThrow(/parameterBudget/);
  });
});

describe('channel helpers', () => {
  it('slice leading channels, interleave halves and write back a leading part', () => {
    const v = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(leading(v, [2, 3])).toBe(v);
    expect(Array.from(leading(v, [1, 2]).dataSync())).toEqual([1, 2]);
    const a = tf.tensor4d([1, 2], [1, 1, 1, 2]);
    const b = tf.tensor4d([10, 20], [1, 1, 1, 2]);
    expect(Array.from(interleaveChannels(a, b).dataSync())).toEqual([1, 10, 2, 20]);
    expect(Array.from(withLeading(tf.tensor1d([0, 0, 0, 7]), tf.tensor1d([1, 2])).dataSync())).toEqual([1, 2, 0, 7]);
  });
});

describe('a budget-width supernet', () => {
  const wide = 10;
  const budget = 3000;
  const base = { cells: 3, nodes: 5, parameterBudget: budget } as const;

  /** Copies the leading slices of `from`'s weights into `to`'s (the same names). */
  function copyLeading(from: Supernet, to: Supernet) {
    const source = new Map(from.weights.map((w) => [w.name, w.variable]));
    for (const w of to.weights) w.variable.assign(tf.tidy(() => leading(source.get(w.name)!, w.variable.shape)));
  }

  it('runs each architecture on the leading channels of the wide weights: loss, gradients and moving statistics', () => {
    const rng = new Rng(11);
    const space = createImageClassificationSpace({ ...base, channels: wide });
    // An architecture narrower than the supernet at this budget.
    let architecture: Architecture;
    let width: number;
    const planner = budgetWidthPlanner({ cells: 3, nodes: 5, stemMultiplier: 3, maxChannels: wide, parameterBudget: budget }, task);
    do {
      architecture = randomArchitecture(space.variables, rng);
      width = planner(architecture).cells[0]!.channels;
    } while (width >= wide - 1);
    const narrowSpace = createImageClassificationSpace({ ...base, channels: width });
    const wideNet = space.createSupernet(task, new Rng(5));
    const narrowNet = narrowSpace.createSupernet(task, new Rng(6));
    copyLeading(wideNet, narrowNet);
    const inputs = tf.randomUniform([4, 8, 8, 1], 0, 1, 'float32', 9) as tf.Tensor4D;
    const targets = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3);
    const batch = { inputs, targets: tf.cast(targets, 'float32') };
    const gradsOf = (net: Supernet) => {
      const trainable = net.weights.filter((w) => w.trainable).map((w) => w.variable);
      const { value, grads } = tf.variableGrads(() => net.loss(architecture, batch, { training: true }), trainable);
      const byName = new Map(net.weights.filter((w) => w.trainable && grads[w.variable.name] !== undefined).map((w) => [w.name, grads[w.variable.name]!]));
      const loss = value.dataSync()[0]!;
      value.dispose();
      return { loss, byName };
    };
    const before = tf.memory().numTensors;
    const w = gradsOf(wideNet);
    const n = gradsOf(narrowNet);
    expect(w.loss).toBeCloseTo(n.loss, 5);
    let compared = 0;
    expect([...w.byName.keys()].sort()).toEqual([...n.byName.keys()].sort());
    for (const [name, g] of n.byName) {
      const gw = w.byName.get(name)!;
      expect(gw.shape.length).toBe(g.shape.length);
      tf.tidy(() => {
        const slice = leading(gw, g.shape);
        const scale = Math.max(1e-6, tf.max(tf.abs(g)).dataSync()[0]!);
        expect(tf.max(tf.abs(tf.sub(slice, g))).dataSync()[0]!).toBeLessThan(1e-4 * scale);
        // Nothing outside the leading slice moves.
        expect(tf.sum(tf.abs(gw)).dataSync()[0]!).toBeCloseTo(tf.sum(tf.abs(slice)).dataSync()[0]!, 4);
      });
      compared++;
    }
    expect(compared).toBeGreaterThan(10);
    // Moving statistics: the leading part as in the narrow net, the rest untouched (zeros and ones).
    const narrowStats = new Map(narrowNet.weights.filter((x) => !x.trainable).map((x) => [x.name, x.variable]));
    for (const s of wideNet.weights.filter((x) => !x.trainable)) {
      const k = narrowStats.get(s.name)!.shape[0]!;
      const values = s.variable.dataSync();
      const narrowValues = narrowStats.get(s.name)!.dataSync();
      for (let i = 0; i < k; i++) expect(values[i]).toBeCloseTo(narrowValues[i]!, 5);
      const rest = s.name.endsWith('moving_mean') ? 0 : 1;
      for (let i = k; i < values.length; i++) expect(values[i]).toBe(rest);
    }
    tf.dispose([...w.byName.values(), ...n.byName.values()]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([inputs, targets, batch.targets]);
    wideNet.dispose();
    narrowNet.dispose();
  });

  it('evaluates an architecture as the narrow net does, and does not leak over repeated steps', async () => {
    const rng = new Rng(12);
    const space = createImageClassificationSpace({ ...base, channels: wide });
    const net = space.createSupernet(task, new Rng(7));
    const inputs = tf.randomUniform([4, 8, 8, 1], 0, 1, 'float32', 10) as tf.Tensor4D;
    const targets = tf.cast(tf.oneHot(tf.tensor1d([2, 1, 0, 1], 'int32'), 3), 'float32');
    const batch = { inputs, targets };
    const trainable = net.weights.filter((w) => w.trainable).map((w) => w.variable);
    let before = 0;
    for (let step = 0; step < 4; step++) {
      if (step === 1) before = tf.memory().numTensors;
      const a = randomArchitecture(space.variables, rng);
      const { value, grads } = tf.variableGrads(() => net.loss(a, batch, { training: true }), trainable);
      tf.dispose([value, ...Object.values(grads)]);
      const e = await net.evaluate(a, batch);
      expect(e.loss).toBeGreaterThan(0);
      tf.dispose(net.apply(a, inputs, { training: false }));
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([inputs, targets]);
    net.dispose();
  });
});
