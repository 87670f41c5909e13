import { existsSync } from 'node:fs';
import { describesArchitectureGraph, type Architecture, type ArchitectureGraph, type SearchSpace } from '@asng/core';
import { readRunRecord, recordPath } from './run-record.js';
import { BUILT_IN_SPACES, loadRecordedSpace, type SpaceOptions } from './spaces.js';

/** What the report learns from the run's space: the graph of the found architecture, the ranges of its numeric variables. */
export interface SpaceFigures {
  readonly graph?: ArchitectureGraph;
  readonly bounds: Readonly<Record<string, readonly [number, number]>>;
}

/**
 * Asks the run's space for the graph of `best` (its `ArchitectureGraphDescriber`
 * ability) and for the ranges of its numeric variables. The space is the one
 * `cli.json` records with its options, else a built-in space named by the
 * engine's `config.json`, with its default options (then the graph's title
 * names no sizes and no ranges are given). Without a space, without
 * the ability, or when the space does not take `best` (a run of other
 * options), the report falls back to what the run directory holds.
 */
export async function spaceFigures(
  runDir: string,
  settings: Readonly<Record<string, unknown>>,
  best: Architecture | undefined,
  cwd: string,
  given?: string,
): Promise<SpaceFigures> {
  let spec: string | undefined;
  let options: SpaceOptions = {};
  let recorded = true;
  if (existsSync(recordPath(runDir))) {
    const record = readRunRecord(runDir);
    spec = record.space;
    options = record.spaceOptions;
  } else if (typeof settings.space === 'string' && BUILT_IN_SPACES.some((s) => s.name === settings.space)) {
    spec = settings.space;
    recorded = false;
  }
  if (spec === undefined) return { bounds: {} };
  let space: SearchSpace;
  try {
    space = (await loadRecordedSpace(spec, recordPath(runDir), given, cwd)).create(options);
  } catch {
    return { bounds: {} };
  }
  // The default options' ranges need not be the run's: only recorded options give ranges.
  const bounds = recorded ? Object.fromEntries(space.variables.flatMap((v) => (v.kind === 'categorical' ? [] : [[v.name, [v.min, v.max] as const]]))) : {};
  if (best === undefined || !describesArchitectureGraph(space)) return { bounds };
  try {
    const graph = space.architectureGraph(best);
    // A title that states the space's sizes would state the defaults', not the run's.
    return { graph: recorded ? graph : { ...graph, title: `${space.name}: the most likely architecture (the run records no space options)` }, bounds };
  } catch {
    return { bounds };
  }
}
