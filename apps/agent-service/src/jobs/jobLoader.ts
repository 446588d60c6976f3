import { readdirSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { KeeperJob } from './jobSchema.ts';

export interface JobLoadError {
  readonly file: string;
  /** JSON path of the offending value, e.g. `tasks[0].ExecutionType` or `[1].priority`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
}

export interface JobLoad {
  readonly jobs: readonly KeeperJob[];
  readonly files: number;
  readonly errors: readonly JobLoadError[];
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('').replace(/^\./, '');
}

const JobArray = z.array(KeeperJob);

/**
 * Reads every *.json file of the folder; a file holds one job or an array of jobs. A file is taken
 * whole or not at all: one bad job in it rejects the file (reported with its JSON path) and leaves
 * every other file loaded. A job id defined by an earlier file (in name order) refuses the later file.
 */
export function loadJobDirectory(dir: string): JobLoad {
  const jobs: KeeperJob[] = [];
  const errors: JobLoadError[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
  } catch (error) {
    return { jobs, files: 0, errors: [{ file: dir, path: '', message: `cannot read the jobs folder: ${(error as Error).message}` }] };
  }
  const seen = new Map<string, string>();
  for (const name of names) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    } catch (error) {
      errors.push({ file: name, path: '', message: `not valid JSON: ${(error as Error).message}` });
      continue;
    }
    const parsed = Array.isArray(json) ? JobArray.safeParse(json) : KeeperJob.safeParse(json);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) errors.push({ file: name, path: formatPath(issue.path), message: issue.message });
      continue;
    }
    const fileJobs: KeeperJob[] = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
    const inFile = new Set<string>();
    const twice = fileJobs.findIndex((job) => (inFile.has(job.id) ? true : (inFile.add(job.id), false)));
    if (twice >= 0) {
      errors.push({ file: name, path: `[${twice}].id`, message: `job ${fileJobs[twice]!.id} is defined twice in this file` });
      continue;
    }
    const duplicate = fileJobs.find((job) => seen.has(job.id));
    if (duplicate) {
      errors.push({ file: name, path: '', message: `job ${duplicate.id} is already defined in ${seen.get(duplicate.id)}` });
      continue;
    }
    for (const job of fileJobs) seen.set(job.id, name);
    jobs.push(...fileJobs);
  }
  return { jobs, files: names.length, errors };
}

/** Calls `onChange` (debounced) whenever a file of the folder is added, changed or removed. */
export function watchJobDirectory(dir: string, onChange: () => void, debounceMs = 150): { close(): void } {
  let timer: NodeJS.Timeout | null = null;
  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(dir, () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(onChange, debounceMs);
    });
    watcher.on('error', () => {});
  } catch {
    // No folder to watch; the load already reported it.
  }
  return {
    close() {
      if (timer) clearTimeout(timer);
      watcher?.close();
    },
  };
}
