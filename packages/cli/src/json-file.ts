import { readFileSync } from 'node:fs';

/** Reads and parses a JSON file; a file that is not JSON is an error naming it. */
export function readJsonFile<T>(path: string): T {
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new Error(`${path}: not JSON (${(error as Error).message})`);
  }
}
