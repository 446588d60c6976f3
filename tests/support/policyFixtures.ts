import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ElevationStatus, type ElevationStatusResult } from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';

const SHIPPED_JOBS = join(import.meta.dirname, '../../resources/jobs');

/** The jobs the agent ships, as a fleet policy push carries them (the policy-controls job presents the controls). */
export function shippedJobs(): Record<string, unknown> {
  return Object.fromEntries(
    readdirSync(SHIPPED_JOBS)
      .filter((name) => name.endsWith('.json'))
      .map((name) => [name, JSON.parse(readFileSync(join(SHIPPED_JOBS, name), 'utf8')) as unknown]),
  );
}

/** An enforced PrivilegeElevation policy in Keeper's JSON shape; `extra` overrides any field. */
export function policy(id: string, controls: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    PolicyName: `Policy ${id}`,
    PolicyId: id,
    PolicyType: 'PrivilegeElevation',
    Status: 'enforce',
    Actions: { OnSuccess: { Controls: controls } },
    ...extra,
  };
}

/** The same, scoped to one application collection. */
export const appPolicy = (id: string, collectionId: string, controls: string[], extra: Record<string, unknown> = {}) =>
  policy(id, controls, { ApplicationCheck: [collectionId], ...extra });

/** A policies folder with one application collection per entry of `apps` (id → path pattern). */
export function writePolicyDir(dir: string, apps: Record<string, string>, policies: readonly Record<string, unknown>[]): string {
  mkdirSync(dir, { recursive: true });
  const collections = Object.entries(apps).map(([id, path]) => ({ CollectionId: id, Type: 'Application', Members: [{ Path: path }] }));
  writeFileSync(join(dir, 'collections.json'), JSON.stringify({ Collections: collections }));
  writeFileSync(join(dir, 'policies.json'), JSON.stringify(policies));
  return dir;
}

/** Waits until the request is no longer pending and returns its final status. */
export async function settledState(client: AgentClient, requestId: string, timeout = 5_000): Promise<ElevationStatusResult> {
  await expect.poll(async () => (await client.request(ElevationStatus, { requestId })).state, { timeout }).not.toBe('pending');
  return client.request(ElevationStatus, { requestId });
}
