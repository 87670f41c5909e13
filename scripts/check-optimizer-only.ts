/**
 * An optimizer-only project (`scripts/optimizer-only`: core's tensor-free part
 * `@asng/core/base`, the distributions and the optimizer) must type-check
 * with `skipLibCheck: false` against the built packages, and no tfjs
 * declaration may be part of its program: such a user installs no tfjs.
 *   tsx scripts/check-optimizer-only.ts   (after `npm run build`)
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const project = join(import.meta.dirname, 'optimizer-only');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = spawnSync(process.execPath, [tsc, '-p', project, '--listFiles'], { encoding: 'utf8' });
const lines = `${run.stdout}${run.stderr}`.split('\n').filter((l) => l.trim() !== '');
const errors = lines.filter((l) => /error TS\d+/.test(l));
const tfjs = lines.filter((l) => /[\\/]@tensorflow[\\/]/.test(l));
if (run.status !== 0 || errors.length > 0 || tfjs.length > 0) {
  console.error(`${project}: the optimizer-only project must type-check with skipLibCheck false and without tfjs declarations`);
  for (const line of errors) console.error(`  ${line}`);
  if (tfjs.length > 0) console.error(`  ${tfjs.length} tfjs declaration files are in its program, first: ${tfjs[0]}`);
  if (run.error) console.error(`  ${run.error.message}`);
  process.exit(1);
}
const ours = lines.filter((l) => /[\\/]packages[\\/]/.test(l)).length;
console.log(`optimizer-only project: type-checks with skipLibCheck false; ${ours} declaration files of ours, none of tfjs`);
