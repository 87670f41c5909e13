import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bufferedIo } from './buffered-io.js';
import { runCli } from './run.js';
import { loadSpace, loadSpaceModule, typeScriptHint } from './spaces.js';

const dir = mkdtempSync(join(tmpdir(), 'asng-spaces-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A user's space module that exports a descriptor, with no import (so that it loads from any directory). */
const DESCRIPTOR_MODULE = `
const unused = () => { throw new Error('not used here'); };
export const spaceDescriptor = {
  name: 'stripes',
  description: 'a user space of stripes',
  options: {
    width: { kind: 'integer', min: 2, default: 4, help: 'stripe width' },
    colour: { kind: 'enum', values: ['red', 'blue'], help: 'stripe colour' },
  },
  width: { option: 'width', step: 2 },
  create: (options) => ({
    name: 'stripes-' + (options.width ?? 4) + '-' + (options.colour ?? 'red'),
    variables: [],
    metric: { name: 'accuracy', higherIsBetter: true },
    toBatch: unused,
    createSupernet: unused,
    buildModel: unused,
    describe: () => ({ text: '' }),
  }),
};
`;
writeFileSync(join(dir, 'stripes.mjs'), DESCRIPTOR_MODULE);
writeFileSync(join(dir, 'default.mjs'), DESCRIPTOR_MODULE.replace('export const spaceDescriptor =', 'export default'));
writeFileSync(join(dir, 'nothing.mjs'), 'export const answer = 42;\n');

describe('space modules', () => {
  it("loads a built-in's descriptor by name, checks the options against its schema and creates the space", async () => {
    const loaded = await loadSpaceModule('inpainting');
    expect(loaded.descriptor?.name).toBe('inpainting');
    expect(loaded.width).toBeUndefined();
    // As an old run record keeps them: lists as strings, numbers converted.
    const space = loaded.create({ encoding: 'categorical', nodes: 3, levelBack: 2, kernelSizes: '1,3', channels: '2,4', mask: 'center' });
    expect(space.name).toBe('inpainting');
    expect((await loadSpaceModule('image-classification')).width).toEqual({ option: 'channels', step: 1 });
  });

  it("loads a user's descriptor as a built-in's: named or default export, options checked, help and listing", async () => {
    for (const file of ['./stripes.mjs', './default.mjs']) {
      const loaded = await loadSpaceModule(file, dir);
      expect(loaded.width).toEqual({ option: 'width', step: 2 });
      expect(loaded.create({ width: '6', colour: 'blue' }).name).toBe('stripes-6-blue');
      expect(() => loaded.create({ colour: 'green' })).toThrow(`--space-option colour: expected one of red, blue, got "green"`);
    }
    const help = bufferedIo({ cwd: dir });
    expect(await runCli(['search', './stripes.mjs', '--help'], help.io)).toBe(0);
    expect(help.stdout()).toMatch(
      /Space stripes: a user space of stripes\nOptions \(--space-option KEY=VALUE\):\n {2}width=N +stripe width \(an integer >= 2; default 4; the width of --param-budget\)/,
    );
    const listed = bufferedIo({ cwd: dir });
    expect(await runCli(['spaces', './stripes.mjs', '--json'], listed.io)).toBe(0);
    expect(listed.lastJson<any[]>()[0]).toMatchObject({ name: 'stripes', options: { colour: { kind: 'enum' } } });
    const refused = bufferedIo({ cwd: dir });
    expect(await runCli(['search', './stripes.mjs', '--dataset', 'mnist', '--run-dir', 'r', '--space-option', 'width=0x4'], refused.io)).toBe(2);
    expect(refused.stderr()).toContain('--space-option width: expected an integer >= 2, got "0x4"');
  });

  it('says how to load a TypeScript space module when Node cannot import it', () => {
    const unknownExtension = Object.assign(new TypeError('Unknown file extension ".ts" for /x/my-space.ts'), { code: 'ERR_UNKNOWN_FILE_EXTENSION' });
    const hint = typeScriptHint('./my-space.ts', unknownExtension);
    expect(hint).toContain('compile the module to JavaScript');
    expect(hint).toContain('NODE_OPTIONS="--import tsx" npx @asng/cli ... --space ./my-space.ts');
    expect(typeScriptHint('./my-space.mjs', unknownExtension)).toBe('');
    expect(typeScriptHint('./my-space.ts', new Error('Cannot find module'))).toBe('');
  });

  it('names a module that exports no space', async () => {
    await expect(loadSpace('./nothing.mjs', {}, dir)).rejects.toThrow(`--space: "./nothing.mjs" exports no search space`);
  });
});
