import type { Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { untrustedFolderProblem } from '../config/folderTrust.ts';

/** Where a signer reports a database it refuses (pino's Logger is one). */
export interface SignerLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** The agent's own uid: root and this uid are the only owners trusted (a personal agent reads its own test databases). */
const agentUid = () => process.getuid?.() ?? 0;

/** Why a file of a package database cannot be trusted, or null: a regular file of root or the agent's user that nobody else can write. */
export function whyFileUntrusted(path: string, st: Stats): string | null {
  if (!st.isFile()) return `${path} is not a regular file`;
  if (st.uid !== 0 && st.uid !== agentUid()) return `${path} belongs to uid ${st.uid}`;
  if ((st.mode & 0o022) !== 0) return `${path} is writable by group or others`;
  return null;
}

/**
 * Why a package database in `folder` cannot be trusted, or null: the folder and every folder above
 * judged as the agent judges its policies folder (config/folderTrust.ts: root's or the agent's user's,
 * writable by nobody else, a sticky root-owned folder like /tmp allowed above), and the named files
 * (those marked optional may be missing) as whyFileUntrusted says.
 */
export async function whyUntrusted(folder: string, files: readonly { readonly name: string; readonly optional?: boolean }[]): Promise<string | null> {
  const problem = untrustedFolderProblem(folder, { what: 'package database', uid: agentUid() });
  if (problem !== null) return problem;
  for (const { name, optional } of files) {
    const path = join(folder, name);
    const st = await lstat(path).catch(() => null);
    if (st === null && optional) continue;
    const why = st === null ? `${path} cannot be read` : whyFileUntrusted(path, st);
    if (why !== null) return why;
  }
  return null;
}
