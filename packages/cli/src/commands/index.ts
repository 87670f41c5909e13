import type { Command } from '../command.js';
import { dataCommand } from './data.js';
import { evaluateCommand } from './evaluate.js';
import { exportCommand } from './export.js';
import { reportCommand } from './report.js';
import { resumeCommand } from './resume.js';
import { retrainCommand } from './retrain.js';
import { searchCommand } from './search.js';
import { spacesCommand } from './spaces.js';
import { sweepCommand } from './sweep.js';
import { workerCommand } from './worker.js';

/** Every command of the `asng` CLI, in the order of its help text. */
export const COMMANDS: readonly Command[] = [
  searchCommand,
  resumeCommand,
  retrainCommand,
  evaluateCommand,
  exportCommand,
  reportCommand,
  dataCommand,
  spacesCommand,
  sweepCommand,
  workerCommand,
];
