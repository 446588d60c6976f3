import { existsSync, readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type * as z from 'zod';
import { untrustedFolderProblem } from './folderTrust.ts';

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
    names = readdirSync(dir)
      .filter((name) => name.endsWith('.json'))
      .sort();
  } catch (error) {
    errors.push({ file: dir, path: '', message: `cannot read the ${what} folder: ${(error as Error).message}` });
    return 0;
  }
  for (const name of names) {
    const untrusted = untrustedFileProblem(join(dir, name));
    if (untrusted) {
      errors.push({ file: name, path: '', message: untrusted });
      continue;
    }
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

/**
 * The agent's own uid: root and it are the only owners whose policy and job files are trusted. Asked when
 * used, never in the module's body: the installed agent's startup snapshot runs that on the build machine,
 * whose user (a CI account) would become the trusted owner of every installed agent.
 */
function agentUid(): number | null {
  return process.getuid?.() ?? null;
}

/**
 * Why the folder cannot be trusted (someone but root or the agent's user can write to it or an
 * ancestor), as a problem of the folder; null when it is trusted or missing (the load reports that).
 */
export function untrustedFolder(dir: string, what: string): FileProblem | null {
  const uid = agentUid();
  if (uid === null || !existsSync(dir)) return null;
  const problem = untrustedFolderProblem(dir, { what, uid });
  return problem ? { file: dir, path: '', message: problem } : null;
}

/** A file in a trusted folder may still be writable by others: such a file is refused like a bad one. */
function untrustedFileProblem(path: string): string | null {
  const uid = agentUid();
  if (uid === null) return null;
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return null;
  }
  const mode = (stats.mode & 0o7777).toString(8).padStart(4, '0');
  if (stats.uid !== 0 && stats.uid !== uid) return `refused: owned by uid ${stats.uid} (mode ${mode}); it must be owned by root or uid ${uid}`;
  if ((stats.mode & 0o022) !== 0) return `refused: mode ${mode} lets group or others write to it`;
  return null;
}

export function formatJsonPath(path: readonly PropertyKey[]): string {
  return path
    .map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`))
    .join('')
    .replace(/^\./, '');
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
