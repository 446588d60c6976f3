import { readdirSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type * as z from 'zod';

/** A problem with one file of a folder: its name, the JSON path of the value (empty for the whole file), why. */
export interface FileProblem {
  readonly file: string;
  readonly path: string;
  readonly message: string;
}

/**
 * Hands every *.json file of `dir` to `visit`, in name order; an unreadable folder or a file that is
 * not JSON is added to `errors` in its place, never thrown. Returns how many files there were.
 */
export function forEachJsonFile(dir: string, what: string, errors: FileProblem[], visit: (name: string, json: unknown) => void): number {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
  } catch (error) {
    errors.push({ file: dir, path: '', message: `cannot read the ${what} folder: ${(error as Error).message}` });
    return 0;
  }
  for (const name of names) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    } catch (error) {
      errors.push({ file: name, path: '', message: `not valid JSON: ${(error as Error).message}` });
      continue;
    }
    visit(name, json);
  }
  return names.length;
}

export function formatJsonPath(path: readonly PropertyKey[]): string {
  return path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('').replace(/^\./, '');
}

/** The zod issues of one file as problems; a union failure is explained by the branch that got furthest. */
export function zodProblems(file: string, error: z.ZodError): FileProblem[] {
  const flatten = (issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[]): z.core.$ZodIssue[] =>
    issues.flatMap((issue) => {
      if (issue.code === 'invalid_union' && issue.errors.length > 0) {
        const branches = issue.errors.map((branch) => flatten(branch, [...prefix, ...issue.path]));
        const depth = (list: z.core.$ZodIssue[]) => Math.max(0, ...list.map((i) => i.path.length));
        return branches.reduce((best, next) => (depth(next) > depth(best) ? next : best));
      }
      return [{ ...issue, path: [...prefix, ...issue.path] }];
    });
  return flatten(error.issues, []).map((issue) => ({ file, path: formatJsonPath(issue.path), message: issue.message }));
}

/** Calls `onChange` (debounced) whenever a file of the folder is added, changed or removed. */
export function watchFolder(dir: string, onChange: () => void, debounceMs = 150): { close(): void } {
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
