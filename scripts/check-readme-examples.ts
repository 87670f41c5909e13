/**
 * Runs every ```ts block of the given READMEs (default: every package README
 * that marks its blocks as runnable by not containing `// not runnable`), each
 * as its own module with the workspace sources, and fails if one throws.
 *   tsx --conditions=@asng/source scripts/check-readme-examples.ts packages/core/README.md ...
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: check-readme-examples.ts README.md...');
  process.exit(2);
}
const dir = mkdtempSync(join(root, 'node_modules', '.readme-examples-'));
let failures = 0;
let count = 0;
try {
  for (const file of files) {
    const text = readFileSync(resolve(root, file), 'utf8');
    const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    blocks.forEach((code, i) => {
      if (code.includes('// not runnable')) return;
      count++;
      const path = join(dir, `example-${count}.mts`);
      writeFileSync(path, code);
      try {
        execFileSync(process.execPath, ['--conditions=@asng/source', '--import', 'tsx', path], { cwd: root, stdio: 'pipe', timeout: 120_000 });
        console.log(`ok   ${file} block ${i + 1}`);
      } catch (error) {
        failures++;
        const e = error as { stderr?: Buffer; message: string };
        console.log(`FAIL ${file} block ${i + 1}\n${e.stderr?.toString() ?? e.message}`);
      }
    });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`${count - failures} passed, ${failures} failed`);
process.exitCode = failures > 0 ? 1 : 0;
