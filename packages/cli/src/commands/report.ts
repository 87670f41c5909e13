import { Buffer } from 'node:buffer';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '@asng/engine';
import { UsageError } from '../args.js';
import type { Command } from '../command.js';
import { ARCHITECTURE_FILE, buildReport } from '../report.js';
import { workingDirectory } from '../setup.js';
import { RECORDED_SPACE_OPTION } from '../spaces.js';

/** `asng report RUN_DIR`: the run's self-contained HTML report, and `architecture.svg` in the run directory when the run's space draws its architecture. */
export const reportCommand: Command = {
  name: 'report',
  summary: 'write an HTML report of a run',
  synopsis: 'RUN_DIR [--out FILE]',
  options: [
    { name: 'out', type: 'string', placeholder: 'FILE', description: 'where to write the HTML (default RUN_DIR/report.html)' },
    { name: 'json', type: 'boolean', description: 'print one JSON object as the last line' },
    RECORDED_SPACE_OPTION,
  ],
  async run({ positionals, values }, io) {
    if (positionals.length !== 1) throw new UsageError(`'asng report' takes one run directory, got ${positionals.length}`);
    const cwd = workingDirectory(io);
    const runDir = resolve(cwd, positionals[0]!);
    const out = resolve(cwd, (values.out as string | undefined) ?? join(runDir, 'report.html'));
    const { html, architectureSvg } = await buildReport(runDir, cwd, values.space as string | undefined);
    writeFileAtomic(out, html);
    if (architectureSvg !== undefined) writeFileAtomic(join(runDir, ARCHITECTURE_FILE), architectureSvg);
    if (values.json === true) io.stdout(`${JSON.stringify({ report: out, bytes: Buffer.byteLength(html) })}\n`);
    else io.stdout(`Report written to ${out}\n`);
    return 0;
  },
};
