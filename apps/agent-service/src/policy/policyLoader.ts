import type * as z from 'zod';
import { forEachJsonFile, watchFolder, zodProblems, type FileProblem } from '../config/jsonFolder.ts';
import { CollectionsFile, isCollectionsDocument, PoliciesFile, type Collection, type KeeperPolicy } from './policySchema.ts';

/** A rejected policy file; the JSON path is e.g. `[1].Actions.OnSuccess.Controls[0]`. */
export type PolicyLoadError = FileProblem;

export interface PolicyLoad {
  readonly policies: readonly KeeperPolicy[];
  readonly collections: readonly Collection[];
  readonly files: number;
  readonly errors: readonly PolicyLoadError[];
}

/**
 * Reads every *.json file of the folder. A file is taken whole or not at all: one bad policy in a
 * file rejects that file (reported with its JSON path) and leaves every other file loaded.
 */
export function loadPolicyDirectory(dir: string): PolicyLoad {
  const policies: KeeperPolicy[] = [];
  const collections: Collection[] = [];
  const errors: FileProblem[] = [];
  const seenPolicies = new Map<string, string>();
  const seenCollections = new Map<string, string>();
  const files = forEachJsonFile(dir, 'policies', errors, (name, json) => {
    const report = (error: z.ZodError) => errors.push(...zodProblems(name, error));
    if (isCollectionsDocument(json)) {
      const parsed = CollectionsFile.safeParse(json);
      if (!parsed.success) {
        report(parsed.error);
        return;
      }
      const collectionIds = parsed.data.Collections.map((c) => c.CollectionId);
      const repeatedCollection = collectionIds.findIndex((id, index) => collectionIds.indexOf(id) !== index);
      if (repeatedCollection !== -1) {
        errors.push({
          file: name,
          path: `Collections[${repeatedCollection}].CollectionId`,
          message: `collection ${collectionIds[repeatedCollection]} is defined twice in this file`,
        });
        return;
      }
      const duplicate = parsed.data.Collections.find((c) => seenCollections.has(c.CollectionId));
      if (duplicate) {
        errors.push({
          file: name,
          path: '',
          message: `collection ${duplicate.CollectionId} is already defined in ${seenCollections.get(duplicate.CollectionId)}`,
        });
        return;
      }
      for (const c of parsed.data.Collections) seenCollections.set(c.CollectionId, name);
      collections.push(...parsed.data.Collections);
      return;
    }
    const parsed = PoliciesFile.safeParse(json);
    if (!parsed.success) {
      report(parsed.error);
      return;
    }
    const data = parsed.data;
    const filePolicies = Array.isArray(data) ? data : [data];
    const ids = filePolicies.map((p) => p.PolicyId);
    const repeated = ids.findIndex((id, index) => ids.indexOf(id) !== index);
    if (repeated !== -1) {
      errors.push({ file: name, path: `[${repeated}].PolicyId`, message: `policy ${ids[repeated]} is defined twice in this file` });
      return;
    }
    const duplicate = filePolicies.find((p) => seenPolicies.has(p.PolicyId));
    if (duplicate) {
      errors.push({ file: name, path: '', message: `policy ${duplicate.PolicyId} is already defined in ${seenPolicies.get(duplicate.PolicyId)}` });
      return;
    }
    for (const p of filePolicies) seenPolicies.set(p.PolicyId, name);
    policies.push(...filePolicies);
  });
  return { policies, collections, files, errors };
}

export { watchFolder as watchPolicyDirectory };
