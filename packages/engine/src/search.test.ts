import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { likeliestArchitectures, type Architecture, type SearchSpace } from '@asng/core';
import { createAsng, createSng } from '@asng/optimizer-asng';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDataset, tinySpace } from '../test/fixtures.js';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { runFiles } from './run-directory.js';
import { resolveSearchConfig } from './search-config.js';
import { NonFiniteLossError, type StepEvent } from './search-events.js';
import { resumeSearch, runSearch } from './search.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const dirs: string[] = [];
function runDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'asng-engine-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const config = { seed: 7, batchSize: 8, epochs: 3, learningRate: 0.1, evaluationBatches: 2 };

function stepLines(dir: string): StepEvent[] {
  return readFileSync(runFiles(dir).log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((e) => e.type === 'step');
}

/** The numbers of a log, without wall-clock fields. */
function numbers(events: StepEvent[]) {
  return events.map(({ step, learningRate, trainLoss, validationLosses, gradientNorm, optimizer }) => ({
    step,
    learningRate,
    trainLoss,
    validationLosses,
    gradientNorm,
    optimizer,
  }));
}

describe('runSearch', () => {
  it('runs to the budget, logs every step and epoch, and writes the result', async () => {
    const dir = runDir();
    const epochs: number[] = [];
    const result = await runSearch({ space: tinySpace(), dataset: syntheticDataset(), runDir: dir, config, onEpoch: (e) => epochs.push(e.epoch) });
    // 96 examples: 48 train / 48 validation, batches of 8: 6 steps per epoch.
    expect(result).toMatchObject({ status: 'completed', steps: 18, totalSteps: 18 });
    expect(epochs).toEqual([0, 1, 2]);
    expect(stepLines(dir)).toHaveLength(18);
    expect(result.metrics.accuracy).toBeGreaterThan(0.5);
    const files = runFiles(dir);
    for (const f of [files.config, files.checkpoint, files.result, files.architecture]) expect(existsSync(f)).toBe(true);
    expect(readFileSync(files.architecture, 'utf8')).toContain('hidden layer of');
    expect(JSON.parse(readFileSync(files.result, 'utf8')).best).toEqual(result.best);
    // The final beliefs: one per variable, the best architecture's choices the likeliest.
    expect(result.beliefs.map((b) => b.name)).toEqual(tinySpace().variables.map((v) => v.name));
    for (const b of result.beliefs) {
      if (b.kind !== 'categorical') continue;
      expect(b.choices[b.probabilities.indexOf(Math.max(...b.probabilities))]).toEqual(result.best[b.name]);
    }
    expect(likeliestArchitectures(result.beliefs, result.best, 1)[0]!.architecture).toEqual(result.best);
  });

  it('is reproducible from its seed', async () => {
    const a = runDir();
    const b = runDir();
    await runSearch({ space: tinySpace(), dataset: syntheticDataset(), runDir: a, config: { ...config, epochs: 1 } });
    await runSearch({ space: tinySpace(), dataset: syntheticDataset(), runDir: b, config: { ...config, epochs: 1 } });
    expect(numbers(stepLines(b))).toEqual(numbers(stepLines(a)));
  });

  it.each([
    ['SGD, cosine', config],
    ['Adam, step decay', { ...config, optimizer: 'adam', learningRate: 0.01, schedule: 'step', decayEpochs: [1, 2], decayFactor: 0.5 } as const],
  ])('resumes exactly (%s): stop after N steps, resume, same numbers as an uninterrupted run', async (_, config) => {
    const whole = runDir();
    const full = await runSearch({ space: tinySpace(), dataset: syntheticDataset(), runDir: whole, config });
    const split = runDir();
    const controller = new AbortController();
    const stopped = await runSearch({
      space: tinySpace(),
      dataset: syntheticDataset(),
      runDir: split,
      config,
      signal: controller.signal,
      onStep: (e) => {
        if (e.step === 7) controller.abort();
      },
    });
    expect(stopped).toMatchObject({ status: 'stopped', steps: 7 });
    const resumed = await resumeSearch({ space: tinySpace(), dataset: syntheticDataset(), runDir: split });
    expect(resumed.status).toBe('completed');
    expect(numbers(stepLines(split))).toEqual(numbers(stepLines(whole)));
    expect(resumed.best).toEqual(full.best);
    expect(resumed.metrics).toEqual(full.metrics);
  });

  it('warms up the weights with the distribution frozen, then searches, and resumes exactly inside the warm-up', async () => {
    const warm = { ...config, warmupSteps: 8 };
    const dir = runDir();
    const result = await runSearch({ space: tinySpace(), dataset: syntheticDataset(), runDir: dir, config: warm });
    const steps = stepLines(dir);
    expect(result.steps).toBe(18);
    // No validation batch and no update during the warm-up: the optimizer's statistics stay at their initial values.
    expect(steps.slice(0, 8).every((e) => e.validationLosses.length === 0)).toBe(true);
    expect(new Set(steps.slice(0, 8).map((e) => JSON.stringify(e.optimizer))).size).toBe(1);
    expect(steps.slice(8).every((e) => e.validationLosses.length === 2)).toBe(true);
    expect(JSON.stringify(steps[8]!.optimizer)).not.toBe(JSON.stringify(steps[7]!.optimizer));
    // The weights did train: the warm-up's training loss differs from a run without it at the same step.
    const plain = runDir();
    await runSearch({ space: tinySpace(), dataset: syntheticDataset(), runDir: plain, config });
    expect(numbers(stepLines(plain))).not.toEqual(numbers(steps));

    const split = runDir();
    const controller = new AbortController();
    await runSearch({
      space: tinySpace(),
      dataset: syntheticDataset(),
      runDir: split,
      config: warm,
      signal: controller.signal,
      onStep: (e) => e.step === 5 && controller.abort(),
    });
    await resumeSearch({ space: tinySpace(), dataset: syntheticDataset(), runDir: split });
    expect(numbers(stepLines(split))).toEqual(numbers(steps));
    expect(() => resolveSearchConfig({ warmupSteps: -1 })).toThrow(/config.warmupSteps: expected an integer >= 0, got -1/);
  });

  it('plugs in another optimizer', async () => {
    const dir = runDir();
    const result = await runSearch({
      space: tinySpace(),
      dataset: syntheticDataset(),
      runDir: dir,
      config: { ...config, epochs: 1 },
      optimizer: (variables, rng) => createSng({ variables, rng, lambda: 3 }),
    });
    expect(result.status).toBe('completed');
    expect(stepLines(dir)[0]!.validationLosses).toHaveLength(3);
  });

  it('keeps the number of tensors flat over many steps', async () => {
    const counts: number[] = [];
    await runSearch({
      space: tinySpace(),
      dataset: syntheticDataset(),
      runDir: runDir(),
      config: { ...config, epochs: 4 },
      onStep: (e) => {
        if (e.step > 2) counts.push(tf.memory().numTensors);
      },
    });
    expect(new Set(counts).size).toBe(1);
    const before = tf.memory().numTensors;
    await runSearch({ space: tinySpace(), dataset: syntheticDataset(), runDir: runDir(), config: { ...config, epochs: 1 } });
    expect(tf.memory().numTensors).toBe(before);
  });

  it("disposes a batch's loss weights: the number of tensors stays flat", async () => {
    const plain = tinySpace();
    // A space whose batches carry per-example loss weights (which its loss ignores).
    const weighted = {
      ...plain,
      toBatch: (...args: Parameters<typeof plain.toBatch>) => ({ ...plain.toBatch(...args), lossWeights: tf.ones([args[0].shape[0]]) }),
    };
    const counts: number[] = [];
    const before = tf.memory().numTensors;
    await runSearch({
      space: weighted,
      dataset: syntheticDataset(),
      runDir: runDir(),
      config: { ...config, epochs: 3 },
      onStep: (e) => {
        if (e.step > 2) counts.push(tf.memory().numTensors);
      },
    });
    expect(counts.length).toBeGreaterThan(2);
    expect(new Set(counts).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops on a NaN loss, naming the step and the architecture, without training on it', async () => {
    const dir = runDir();
    const run = runSearch({ space: tinySpace({ poisonActivation: 'tanh' }), dataset: syntheticDataset(), runDir: dir, config });
    await expect(run).rejects.toThrow(NonFiniteLossError);
    await expect(runSearch({ space: tinySpace({ poisonActivation: 'tanh' }), dataset: syntheticDataset(), runDir: runDir(), config })).rejects.toThrow(
      /step \d+: the (train|validation) loss is NaN for architecture \{"activation":"tanh"/,
    );
    const log = readFileSync(runFiles(dir).log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log.at(-1)).toMatchObject({ type: 'error', loss: 'NaN', architecture: { activation: 'tanh' } });
    expect(log.filter((e) => e.type === 'step').every((e: StepEvent) => Number.isFinite(e.trainLoss))).toBe(true);
  });

  it('refuses to overwrite a run, and to resume with another space', async () => {
    const dir = runDir();
    await runSearch({ space: tinySpace(), dataset: syntheticDataset(), runDir: dir, config: { ...config, epochs: 1 } });
    await expect(runSearch({ space: tinySpace(), dataset: syntheticDataset(), runDir: dir, config })).rejects.toThrow(/already holds a search; resume it/);
    const other = { ...tinySpace(), name: 'other' };
    await expect(resumeSearch({ space: other, dataset: syntheticDataset(), runDir: dir })).rejects.toThrow(/saved for search space 'tiny', but space 'other'/);
  });

  it('names the bad setting', () => {
    expect(() => resolveSearchConfig({ batchSize: 0 })).toThrow(/config.batchSize: expected an integer >= 1, got 0/);
    expect(() => resolveSearchConfig({ momentum: 1 })).toThrow(/config.momentum: expected a number in \[0, 1\), got 1/);
    expect(() => resolveSearchConfig({ validationFraction: 1 })).toThrow(/config.validationFraction/);
    expect(() => resolveSearchConfig({ learningRate: 0.01, minLearningRate: 0.1 })).toThrow(/minLearningRate/);
    expect(() => resolveSearchConfig({ optimizer: 'rmsprop' as 'adam' })).toThrow(/config.optimizer: expected 'sgd' or 'adam', got "rmsprop"/);
    expect(() => resolveSearchConfig({ schedule: 'linear' as 'step' })).toThrow(/config.schedule/);
    expect(() => resolveSearchConfig({ decayFactor: 2 })).toThrow(/config.decayFactor: expected a number in \(0, 1\]/);
    expect(() => resolveSearchConfig({ decayEpochs: [0] })).toThrow(/config.decayEpochs/);
    expect(() => resolveSearchConfig({ adamBetas: [0.9, 1] })).toThrow(/config.adamBetas/);
    expect(() => resolveSearchConfig({ parameterPenalty: -0.1 })).toThrow(/config.parameterPenalty: expected a non-negative number, got -0.1/);
  });

  describe('frozen weights after the warm-up', () => {
    /** The trainable weights of the run's last checkpoint. */
    const weightsOf = (dir: string) =>
      Object.fromEntries(
        readCheckpoint(runFiles(dir).checkpoint)
          .arrays.filter((a) => a.name.startsWith('weight/'))
          .map((a) => [a.name, Array.from(a.data)]),
      );
    // A constant learning rate, so that the warm-up trains alike whatever the total number of steps.
    const run = async (steps: number, freezeWeightsAfterWarmup: boolean) => {
      const dir = runDir();
      await runSearch({
        space: tinySpace(),
        dataset: syntheticDataset(),
        runDir: dir,
        config: { ...config, schedule: 'constant', steps, warmupSteps: 3, freezeWeightsAfterWarmup },
      });
      return dir;
    };

    it('keeps the weights of the warm-up while the distribution learns, and logs the frozen steps', async () => {
      const [atWarmupEnd, frozen, trained] = [await run(4, true), await run(10, true), await run(10, false)];
      expect(weightsOf(frozen)).toEqual(weightsOf(atWarmupEnd));
      expect(weightsOf(trained)).not.toEqual(weightsOf(atWarmupEnd));
      const steps = stepLines(frozen);
      expect(steps.map((e) => e.learningRate > 0)).toEqual([true, true, true, false, false, false, false, false, false, false]);
      for (const e of steps.slice(3)) {
        expect(e.gradientNorm).toBe(0);
        expect(Number.isFinite(e.trainLoss) && e.trainLoss > 0).toBe(true);
        expect(e.validationLosses.length).toBeGreaterThan(0);
      }
      // The distribution moved: the optimizer's statistics differ from those at the end of the warm-up.
      expect(steps.at(-1)!.optimizer).not.toEqual(steps[2]!.optimizer);
    });

    it('needs a warm-up', () => {
      expect(() => resolveSearchConfig({ freezeWeightsAfterWarmup: true })).toThrow(/config.freezeWeightsAfterWarmup: needs config.warmupSteps >= 1/);
      expect(() => resolveSearchConfig({ warmupSteps: 2, freezeWeightsAfterWarmup: 'yes' as unknown as boolean })).toThrow(
        /config.freezeWeightsAfterWarmup: expected true or false, got yes/,
      );
    });
  });

  it("ranks architectures by the supernet's selectionLoss where it has one, the weights training on its loss", async () => {
    const dir = runDir();
    let selectionCalls = 0;
    const base = tinySpace();
    const space: SearchSpace = {
      ...base,
      createSupernet: (task, rng) => {
        const supernet = base.createSupernet(task, rng);
        return {
          ...supernet,
          selectionLoss: (architecture, batch, options) => {
            selectionCalls++;
            return tf.tidy(() => tf.add(supernet.loss(architecture, batch, options), 100) as tf.Scalar);
          },
        };
      },
    };
    await runSearch({ space, dataset: syntheticDataset(), runDir: dir, config: { ...config, epochs: 1 } });
    const steps = stepLines(dir);
    const ranked = steps.flatMap((e) => e.validationLosses);
    expect(ranked.length).toBeGreaterThan(0);
    expect(selectionCalls).toBe(ranked.length);
    for (const v of ranked) expect(v).toBeGreaterThan(100);
    for (const e of steps) expect(e.trainLoss).toBeLessThan(100);
  });

  describe('parameter penalty', () => {
    /** The tiny space, counting 10^width parameters: wider is much dearer. */
    const counting = () => ({ ...tinySpace(), countParameters: (architecture: Architecture) => 10 ** (architecture.width as number) });

    it('tells the optimizer log(loss) + penalty * log(parameters), and logs the raw losses', async () => {
      const dir = runDir();
      const told: { widths: number[]; values: number[] }[] = [];
      const penalty = 0.3;
      await runSearch({
        space: counting(),
        dataset: syntheticDataset(),
        runDir: dir,
        config: { ...config, epochs: 1, parameterPenalty: penalty },
        optimizer: (variables, rng) => {
          const asng = createAsng({ variables, rng });
          const tell = asng.tell.bind(asng);
          asng.tell = (candidates, values) => {
            told.push({ widths: candidates.map((c) => c.architecture.width as number), values: Array.from(values) });
            tell(candidates, values);
          };
          return asng;
        },
      });
      const logged = stepLines(dir).map((e) => e.validationLosses);
      expect(told).toHaveLength(logged.length);
      told.forEach(({ widths, values }, k) =>
        values.forEach((v, i) => expect(v).toBeCloseTo(Math.log(logged[k]![i]!) + penalty * widths[i]! * Math.log(10), 10)),
      );
    });

    it('moves the distribution towards cheaper architectures', async () => {
      const widthOf = async (parameterPenalty: number) =>
        (await runSearch({ space: counting(), dataset: syntheticDataset(), runDir: runDir(), config: { ...config, epochs: 4, parameterPenalty } })).best
          .width as number;
      const [plain, penalised] = [await widthOf(0), await widthOf(1)];
      expect(penalised).toBe(2);
      expect(plain).toBeGreaterThan(2);
    });

    it('needs a space that counts parameters', async () => {
      await expect(
        runSearch({ space: tinySpace(), dataset: syntheticDataset(), runDir: runDir(), config: { ...config, parameterPenalty: 0.1 } }),
      ).rejects.toThrow(/config.parameterPenalty: search space 'tiny' cannot count the parameters of its architectures/);
    });
  });
});

describe('checkpoints', () => {
  it('round-trip arrays and header', () => {
    const path = join(runDir(), 'c.bin');
    const data = Float32Array.from([1, 2.5, -3, 4e-7, 5, 6]);
    writeCheckpoint(path, {
      header: { hello: 'world' },
      arrays: [
        { name: 'a', shape: [2, 3], data },
        { name: 'b', shape: [0], data: new Float32Array(0) },
      ],
    });
    const back = readCheckpoint<{ hello: string }>(path);
    expect(back.header).toEqual({ hello: 'world' });
    expect(Array.from(back.arrays[0]!.data)).toEqual(Array.from(data));
    expect(back.arrays[1]!.data).toHaveLength(0);
  });

  it('a write killed before its rename leaves the previous checkpoint usable', () => {
    const dir = runDir();
    const path = join(dir, 'c.bin');
    writeCheckpoint(path, { header: { n: 1 }, arrays: [{ name: 'a', shape: [1], data: Float32Array.from([1]) }] });
    expect(() =>
      writeCheckpoint(
        path,
        { header: { n: 2 }, arrays: [{ name: 'a', shape: [1], data: Float32Array.from([2]) }] },
        {
          beforeRename: () => {
            throw new Error('killed');
          },
        },
      ),
    ).toThrow('killed');
    expect(readCheckpoint<{ n: number }>(path).header.n).toBe(1);
    expect(readFileSync(path).length).toBeGreaterThan(0);
  });

  it('rejects torn and foreign files, naming the file', () => {
    const dir = runDir();
    const path = join(dir, 'c.bin');
    writeCheckpoint(path, { header: {}, arrays: [{ name: 'a', shape: [4], data: new Float32Array(4) }] });
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 3));
    expect(() => readCheckpoint(path)).toThrow(new RegExp(`${path}: truncated checkpoint`));
    writeFileSync(path, 'hello world, not a checkpoint');
    expect(() => readCheckpoint(path)).toThrow(/not an asng checkpoint/);
    expect(() => readCheckpoint(join(dir, 'missing.bin'))).toThrow(/cannot read the checkpoint/);
  });
});
