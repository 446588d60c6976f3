import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PolicyBundle } from '../../../../shared/protocol/src/common/fleet.ts';
import type { FileProblem } from '../../../agent-service/src/config/jsonFolder.ts';
import { loadJobDirectory } from '../../../agent-service/src/jobs/jobLoader.ts';
import { loadPolicyDirectory } from '../../../agent-service/src/policy/policyLoader.ts';
import { inTransaction, type Db } from '../db/pool.ts';
import { auditServer } from './audit.ts';
import { CHANNELS, notify } from './channels.ts';
import { ensureGroup } from './tokens.ts';

export interface PolicyFiles {
  policies: Record<string, unknown>;
  jobs: Record<string, unknown>;
}

export type Validated = { ok: true; files: PolicyFiles } | { ok: false; problems: FileProblem[] };

function readJsonFiles(dir: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort())
    out[name] = JSON.parse(readFileSync(join(dir, name), 'utf8'));
  return out;
}

/**
 * Validates a push folder with the agent's own loaders (policies and collections in DIR, jobs in
 * DIR/jobs): the agent will read exactly these files, so what passes here loads there. Any problem
 * rejects the whole push, each named by file and JSON path.
 */
export function validatePolicyFolder(dir: string): Validated {
  const policies = loadPolicyDirectory(dir);
  const jobsDir = join(dir, 'jobs');
  const jobs = existsSync(jobsDir) ? loadJobDirectory(jobsDir) : { errors: [] };
  const problems = [...policies.errors, ...jobs.errors.map((p) => ({ ...p, file: `jobs/${p.file}` }))];
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, files: { policies: readJsonFiles(dir), jobs: readJsonFiles(jobsDir) } };
}

const digest = (files: PolicyFiles) => createHash('sha256').update(JSON.stringify(files)).digest('hex');

/** Stores the next version of a group's set and tells every instance (agents then sync). */
export async function pushPolicies(db: Db, group: string, files: PolicyFiles): Promise<number> {
  await ensureGroup(db, group);
  return inTransaction(db, async (tx) => {
    // Serialises pushes to one group; the version is then the next integer without gaps or twins.
    await tx.query('SELECT name FROM deployment_groups WHERE name = $1 FOR UPDATE', [group]);
    const { rows } = await tx.query<{ version: number }>(
      `INSERT INTO policy_sets (group_name, version, sha256, policies, jobs)
       SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4 FROM policy_sets WHERE group_name = $1 RETURNING version`,
      [group, digest(files), JSON.stringify(files.policies), JSON.stringify(files.jobs)],
    );
    const version = rows[0]!.version;
    await auditServer(tx, 'policy.pushed', { group, version, policies: Object.keys(files.policies), jobs: Object.keys(files.jobs) });
    await notify(tx, CHANNELS.policy, `${group}:${version}`);
    return version;
  });
}

export async function currentPolicies(db: Db, group: string): Promise<PolicyBundle> {
  const { rows } = await db.query<{ version: number; sha256: string; policies: Record<string, unknown>; jobs: Record<string, unknown>; pushed_at: Date }>(
    'SELECT version, sha256, policies, jobs, pushed_at FROM policy_sets WHERE group_name = $1 ORDER BY version DESC LIMIT 1',
    [group],
  );
  const row = rows[0];
  if (!row) return { group, version: 0, sha256: digest({ policies: {}, jobs: {} }), policies: {}, jobs: {}, pushedAt: null };
  return { group, version: row.version, sha256: row.sha256, policies: row.policies, jobs: row.jobs, pushedAt: row.pushed_at.toISOString() };
}
