import * as z from 'zod';
import { forEachJsonFile, watchFolder, zodProblems, type FileProblem } from '../config/jsonFolder.ts';
import { KeeperJob } from './jobSchema.ts';

/** A rejected job file; the JSON path is e.g. `tasks[0].ExecutionType` or `[1].priority`. */
export type JobLoadError = FileProblem;

export interface JobLoad {
  readonly jobs: readonly KeeperJob[];
  readonly files: number;
  readonly errors: readonly JobLoadError[];
}

const JobArray = z.array(KeeperJob);

/**
 * Reads every *.json file of the folder; a file holds one job or an array of jobs. A file is taken
 * whole or not at all: one bad job in it rejects the file (reported with its JSON path) and leaves
 * every other file loaded. A job id defined by an earlier file (in name order) refuses the later file.
 */
export function loadJobDirectory(dir: string): JobLoad {
  const jobs: KeeperJob[] = [];
  const errors: FileProblem[] = [];
  const seen = new Map<string, string>();
  const files = forEachJsonFile(dir, 'jobs', errors, (name, json) => {
    const parsed = Array.isArray(json) ? JobArray.safeParse(json) : KeeperJob.safeParse(json);
    if (!parsed.success) {
      errors.push(...zodProblems(name, parsed.error));
      return;
    }
    const fileJobs: KeeperJob[] = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
    const inFile = new Set<string>();
    const twice = fileJobs.findIndex((job) => (inFile.has(job.id) ? true : (inFile.add(job.id), false)));
    if (twice >= 0) {
      errors.push({ file: name, path: `[${twice}].id`, message: `job ${fileJobs[twice]!.id} is defined twice in this file` });
      return;
    }
    const duplicate = fileJobs.find((job) => seen.has(job.id));
    if (duplicate) {
      errors.push({ file: name, path: '', message: `job ${duplicate.id} is already defined in ${seen.get(duplicate.id)}` });
      return;
    }
    for (const job of fileJobs) seen.set(job.id, name);
    jobs.push(...fileJobs);
  });
  return { jobs, files, errors };
}

export { watchFolder as watchJobDirectory };
