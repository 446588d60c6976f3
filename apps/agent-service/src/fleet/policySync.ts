import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import type { PolicyBundle } from '../../../../shared/protocol/src/common/fleet.ts';
import { loadJobDirectory } from '../jobs/jobLoader.ts';
import { loadPolicyDirectory } from '../policy/policyLoader.ts';
import { fleetDir, writeAtomic } from './fleetIdentity.ts';

export const SyncState = z.object({ group: z.string(), version: z.number().int(), sha256: z.string(), syncedAt: z.iso.datetime() });
export type SyncState = z.infer<typeof SyncState>;

/** Where the last good set lives: the agent runs with --policies and --jobs pointing here. */
export function policyPaths(dataDir: string) {
  const root = join(fleetDir(dataDir), 'current');
  return { root, policies: join(root, 'policies'), jobs: join(root, 'jobs'), state: join(fleetDir(dataDir), 'policy-state.json') };
}

/**
 * Before the first sync the agent decides from an empty set (the default outcome applies), in
 * folders it makes itself under its private data folder, so nobody else can have planted them.
 */
export function ensurePolicyFolders(dataDir: string): void {
  const paths = policyPaths(dataDir);
  if (existsSync(paths.root)) return;
  mkdirSync(paths.policies, { recursive: true, mode: 0o700 });
  mkdirSync(paths.jobs, { recursive: true, mode: 0o700 });
}

export function readSyncState(dataDir: string): SyncState | null {
  const { state } = policyPaths(dataDir);
  return existsSync(state) ? SyncState.parse(JSON.parse(readFileSync(state, 'utf8'))) : null;
}

/**
 * Installs a bundle as the last good set: written to a fresh folder, loaded with the agent's own
 * loaders, and swapped in by rename only when every file loads. A bad bundle leaves the previous
 * set in place; the agent keeps deciding from it.
 */
export function installBundle(dataDir: string, bundle: PolicyBundle): { installed: boolean; problems: string[] } {
  const paths = policyPaths(dataDir);
  const staging = `${paths.root}.next`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'policies'), { recursive: true, mode: 0o700 });
  mkdirSync(join(staging, 'jobs'), { recursive: true, mode: 0o700 });
  const safe = (name: string) => /^[A-Za-z0-9._-]{1,128}\.json$/.test(name) && !name.startsWith('.');
  const problems: string[] = [];
  for (const [kind, files] of [
    ['policies', bundle.policies],
    ['jobs', bundle.jobs],
  ] as const) {
    for (const [name, json] of Object.entries(files)) {
      if (!safe(name)) problems.push(`${kind}/${name}: not a plain file name`);
      else writeFileSync(join(staging, kind, name), JSON.stringify(json, null, 2), { mode: 0o600 });
    }
  }
  const policies = loadPolicyDirectory(join(staging, 'policies'));
  const jobs = loadJobDirectory(join(staging, 'jobs'));
  problems.push(...[...policies.errors, ...jobs.errors].map((p) => `${p.file}${p.path ? ` at ${p.path}` : ''}: ${p.message}`));
  if (problems.length > 0) {
    rmSync(staging, { recursive: true, force: true });
    return { installed: false, problems };
  }
  const old = `${paths.root}.old`;
  rmSync(old, { recursive: true, force: true });
  if (existsSync(paths.root)) renameSync(paths.root, old);
  renameSync(staging, paths.root);
  rmSync(old, { recursive: true, force: true });
  const state: SyncState = { group: bundle.group, version: bundle.version, sha256: bundle.sha256, syncedAt: new Date().toISOString() };
  writeAtomic(paths.state, JSON.stringify(state), 0o600);
  return { installed: true, problems: [] };
}
