import { runDataCli } from '@asng/data-cli';
import type { Command } from '../command.js';

/** `asng data ...`: the dataset commands of `@asng/data-cli`, which reads its own arguments. */
export const dataCommand: Command = {
  name: 'data',
  summary: 'dataset information and caches',
  synopsis: 'info|cache <dataset> [options] | list [--json]',
  ownArguments: true,
  options: [
    { name: 'path', type: 'string', placeholder: 'DIR', description: "a directory (or archive) with the dataset's files, used alone (also --data-path)" },
    { name: 'cache-dir', type: 'string', placeholder: 'DIR', description: 'where downloads are cached (default ~/.cache/asng/datasets)' },
    { name: 'mirror', type: 'string', placeholder: 'URL', description: 'download from this base URL instead of the official mirror' },
    { name: 'no-download', type: 'boolean', description: 'fail instead of downloading a missing dataset' },
    {
      name: 'size',
      type: 'integer',
      min: 1,
      placeholder: 'N',
      description: "cache: side of the decoded images (the loader's default otherwise; use the search's)",
    },
    { name: 'json', type: 'boolean', description: 'print one JSON object as the last line' },
  ],
  run: ({ argv }, io) => runDataCli(argv, io),
};
