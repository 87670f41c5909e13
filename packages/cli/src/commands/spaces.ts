import { UsageError } from '../args.js';
import type { Command } from '../command.js';
import { workingDirectory } from '../setup.js';
import { BUILT_IN_SPACES, loadSpaceModule, spaceHelp, type LoadedSpace } from '../spaces.js';

/** A space's descriptor as JSON: name, description, options, width option. */
const asJson = (loaded: LoadedSpace) =>
  loaded.descriptor === undefined
    ? { name: loaded.spec, description: null, options: null }
    : {
        name: loaded.descriptor.name,
        description: loaded.descriptor.description,
        options: loaded.descriptor.options,
        ...(loaded.width ? { width: loaded.width } : {}),
      };

/** `asng spaces [NAME|PATH]`: the built-in search spaces (or the one named) with their options, from their descriptors. */
export const spacesCommand: Command = {
  name: 'spaces',
  summary: 'list the search spaces and their options',
  synopsis: '[NAME|PATH] [--json]',
  options: [{ name: 'json', type: 'boolean', description: 'print one JSON array as the last line' }],
  async run({ positionals, values }, io) {
    if (positionals.length > 1) throw new UsageError(`'asng spaces' takes at most one space, got ${positionals.length}`);
    const specs = positionals.length === 1 ? positionals : BUILT_IN_SPACES.map((s) => s.name);
    const loaded = await Promise.all(specs.map((spec) => loadSpaceModule(spec, workingDirectory(io))));
    if (values.json === true) io.stdout(`${JSON.stringify(loaded.map(asJson))}\n`);
    else io.stdout(loaded.map(spaceHelp).join('\n'));
    return 0;
  },
};
