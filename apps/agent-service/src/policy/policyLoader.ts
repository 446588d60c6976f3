import { readdirSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type * as z from 'zod';
import { CollectionsFile, isCollectionsDocument, PoliciesFile, type Collection, type KeeperPolicy } from './policySchema.ts';

export interface PolicyLoadError {
  readonly file: string;
  /** JSON path of the offending value, e.g. `[1].Actions.OnSuccess.Controls[0]`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
}

export interface PolicyLoad {
  readonly policies: readonly KeeperPolicy[];
  readonly collections: readonly Collection[];
  readonly files: number;
  readonly errors: readonly PolicyLoadError[];
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('').replace(/^\./, '');
}

/** The issue that explains a union failure best: the deepest one inside the branch that got furthest. */
function deepestIssues(error: z.ZodError): z.core.$ZodIssue[] {
  const flatten = (issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[]): z.core.$ZodIssue[] =>
    issues.flatMap((issue) => {
      if (issue.code === 'invalid_union' && issue.errors.length > 0) {
        const branches = issue.errors.map((branch) => flatten(branch, [...prefix, ...issue.path]));
        const depth = (list: z.core.$ZodIssue[]) => Math.max(0, ...list.map((i) => i.path.length));
        return branches.reduce((best, next) => (depth(next) > depth(best) ? next : best));
      }
      return [{ ...issue, path: [...prefix, ...issue.path] }];
    });
  return flatten(error.issues, []);
}

/**
 * Reads every *.json file of the folder. A file is taken whole or not at all: one bad policy in a
 * file rejects that file (reported with its JSON path) and leaves every other file loaded.
 */
export function loadPolicyDirectory(dir: string): PolicyLoad {
  const policies: KeeperPolicy[] = [];
  const collections: Collection[] = [];
  const errors: PolicyLoadError[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
  } catch (error) {
    return { policies, collections, files: 0, errors: [{ file: dir, path: '', message: `cannot read the policies folder: ${(error as Error).message}` }] };
  }
  const seenPolicies = new Map<string, string>();
  const seenCollections = new Map<string, string>();
  for (const name of names) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    } catch (error) {
      errors.push({ file: name, path: '', message: `not valid JSON: ${(error as Error).message}` });
      continue;
    }
    const report = (error: z.ZodError) => {
      for (const issue of deepestIssues(error)) errors.push({ file: name, path: formatPath(issue.path), message: issue.message });
    };
    if (isCollectionsDocument(json)) {
      const parsed = CollectionsFile.safeParse(json);
      if (!parsed.success) {
        report(parsed.error);
        continue;
      }
      const collectionIds = parsed.data.Collections.map((c) => c.CollectionId);
      const repeatedCollection = collectionIds.findIndex((id, index) => collectionIds.indexOf(id) !== index);
      if (repeatedCollection !== -1) {
        errors.push({ file: name, path: `Collections[${repeatedCollection}].CollectionId`, message: `collection ${collectionIds[repeatedCollection]} is defined twice in this file` });
        continue;
      }
      const duplicate = parsed.data.Collections.find((c) => seenCollections.has(c.CollectionId));
      if (duplicate) {
        errors.push({ file: name, path: '', message: `collection ${duplicate.CollectionId} is already defined in ${seenCollections.get(duplicate.CollectionId)}` });
        continue;
      }
      for (const c of parsed.data.Collections) seenCollections.set(c.CollectionId, name);
      collections.push(...parsed.data.Collections);
      continue;
    }
    const parsed = PoliciesFile.safeParse(json);
    if (!parsed.success) {
      report(parsed.error);
      continue;
    }
    const data = parsed.data;
    const filePolicies = Array.isArray(data) ? data : [data];
    const ids = filePolicies.map((p) => p.PolicyId);
    const repeated = ids.findIndex((id, index) => ids.indexOf(id) !== index);
    if (repeated !== -1) {
      errors.push({ file: name, path: `[${repeated}].PolicyId`, message: `policy ${ids[repeated]} is defined twice in this file` });
      continue;
    }
    const duplicate = filePolicies.find((p) => seenPolicies.has(p.PolicyId));
    if (duplicate) {
      errors.push({ file: name, path: '', message: `policy ${duplicate.PolicyId} is already defined in ${seenPolicies.get(duplicate.PolicyId)}` });
      continue;
    }
    for (const p of filePolicies) seenPolicies.set(p.PolicyId, name);
    policies.push(...filePolicies);
  }
  return { policies, collections, files: names.length, errors };
}

/** Calls `onChange` (debounced) whenever a file of the folder is added, changed or removed. */
export function watchPolicyDirectory(dir: string, onChange: () => void, debounceMs = 150): { close(): void } {
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
