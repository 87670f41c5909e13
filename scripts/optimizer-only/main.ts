// An optimizer-only user's program: core's tensor-free part, the distributions
// and the optimizer, no tfjs. `npm run -s lint:optimizer-only` type-checks it
// against the built packages with `skipLibCheck: false` and fails if any tfjs
// declaration is part of the program.
import { categorical, continuous, integer, Rng, type Architecture } from '@asng/core/base';
import { CategoricalDistribution } from '@asng/distribution-categorical';
import { createAsng, createSng } from '@asng/optimizer-asng';

const variables = [categorical('op', ['conv3x3', 'conv5x5', 'maxpool']), integer('channels', 16, 128), continuous('dropout', 0, 0.5)];
const optimizer = createAsng({ variables, seed: 1 });
for (let t = 0; t < 20; t++) {
  const candidates = optimizer.ask();
  optimizer.tell(
    candidates,
    candidates.map(
      ({ architecture }: { architecture: Architecture }) => (architecture.op === 'maxpool' ? 0 : 1) + Math.abs((architecture.channels as number) - 96) / 32,
    ),
  );
}
const state: string = JSON.stringify(optimizer.getState());
const sng = createSng({ variables, seed: 2 });
const categoricalOnly = new CategoricalDistribution([3, 2]);
const draw: number = new Rng(3).uniform();
export { categoricalOnly, draw, sng, state };
