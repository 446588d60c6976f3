import { runAgent } from './agentProcess.ts';

/** Runs `keeper-agent mfa issue` as an administrator would, on the agent's data dir, and returns the code it printed. */
export async function issueEnrollmentCode(dataDir: string, user: string): Promise<string> {
  const run = await runAgent(['mfa', 'issue', '--user', user, '--data-dir', dataDir]);
  const code = /^MFA enrollment code for \S+: ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})$/m.exec(run.stdout)?.[1];
  if (run.code !== 0 || !code) throw new Error(`keeper-agent mfa issue failed (${run.code}): ${run.stdout}${run.stderr}`);
  return code;
}
