import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Architecture, SearchSpace } from '@asng/core';
import { afterAll, describe, expect, it } from 'vitest';
import { bufferedIo } from './buffered-io.js';
import { spaceFigures } from './report-architecture.js';
import { runCli } from './run.js';
import { loadSpace } from './spaces.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const first = (space: SearchSpace): Architecture => Object.fromEntries(space.variables.map((v) => [v.name, v.kind === 'categorical' ? v.choices[0]! : v.min]));

describe('spaceFigures', () => {
  it("asks the space recorded in cli.json, with the run's options, for the graph and the numeric ranges", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asng-figures-'));
    dirs.push(dir);
    const options = { encoding: 'mixed', nodes: 4, levelBack: 2 };
    writeFileSync(join(dir, 'cli.json'), JSON.stringify({ space: 'inpainting', spaceOptions: options, dataset: 'x', optimizer: 'asng', lambda: 2 }));
    const best = first(await loadSpace('inpainting', options));
    const { graph, bounds } = await spaceFigures(dir, {}, best, dir);
    expect(graph?.title).toBe('inpainting (mixed encoding): a chain of 4 nodes, level-back 2');
    expect(bounds['node0.channels']).toEqual([8, 32]);
  });

  it('falls back to a built-in space named by config.json with its defaults, and then claims no sizes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asng-figures-'));
    dirs.push(dir);
    const best = first(await loadSpace('image-classification', {}));
    const { graph, bounds } = await spaceFigures(dir, { space: 'image-classification' }, best, dir);
    expect(graph?.title).toBe('image-classification: the most likely architecture (the run records no space options)');
    expect(graph?.groups.map((g) => g.label)).toEqual(['normal cell', 'reduction cell']);
    expect(bounds).toEqual({});
  });

  it('draws nothing when the architecture is not one of the space, or the space is unknown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asng-figures-'));
    dirs.push(dir);
    expect(await spaceFigures(dir, { space: 'image-classification' }, { 'normal.node0.input1': 'node 7' }, dir)).toEqual({ bounds: {} });
    expect(await spaceFigures(dir, { space: 'my-own' }, {}, dir)).toEqual({ bounds: {} });
  });

  it('asng report writes the drawing as architecture.svg in the run directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asng-figures-'));
    dirs.push(dir);
    const options = { encoding: 'categorical', nodes: 3, levelBack: 2 };
    const space = await loadSpace('inpainting', options);
    const best = first(space);
    writeFileSync(join(dir, 'cli.json'), JSON.stringify({ space: 'inpainting', spaceOptions: options, dataset: 'x', optimizer: 'asng', lambda: 2 }));
    writeFileSync(join(dir, 'log.jsonl'), `${JSON.stringify({ type: 'epoch', epoch: 0, step: 1, best, metrics: { psnr: 12 }, beliefs: [], seconds: 1 })}\n`);
    const io = bufferedIo({ cwd: dir });
    expect(await runCli(['report', dir], io.io), io.stderr()).toBe(0);
    const svg = readFileSync(join(dir, 'architecture.svg'), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('encoder: convolution, ReLU');
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
  });
});
