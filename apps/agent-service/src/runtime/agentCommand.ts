import { optimiseFromNowOn } from './optimiseFromNowOn.ts';

const ONE_SHOT_COMMANDS = new Set(['job-tool', 'mfa', 'audit', 'policy']);

/**
 * The agent's command line (without node and the script): the service, or one of its one-shot commands.
 * Each command loads its own modules only: the Startup job runs `keeper-agent job-tool` at every start of
 * the service, which needs none of the service's. Run by main.ts, and by the startup snapshot's main.
 */
export async function runAgentCommand(args: readonly string[]): Promise<number> {
  // Before anything is created: files, folders and the socket are the agent's alone unless it widens them on purpose.
  process.umask(0o077);
  // A one-shot command is not the service's start: TurboFan for its whole run.
  const registering = args.some((arg) => arg === '--register' || arg.startsWith('--register='));
  if (ONE_SHOT_COMMANDS.has(args[0] ?? '') || registering) optimiseFromNowOn();
  const rest = args.slice(1);
  if (args[0] === 'job-tool') return (await import('../jobs/tools/jobTool.ts')).runJobTool(rest);
  if (args[0] === 'mfa') return (await import('../mfa/mfaCommand.ts')).runMfaCommand(rest);
  if (args[0] === 'audit') return (await import('../audit/auditCommand.ts')).runAuditCommand(rest);
  if (args[0] === 'policy') return (await import('../policy/policyTestCommand.ts')).runPolicyCommand(rest);
  const isRoot = process.getuid?.() === 0;
  if (registering) {
    const [{ runRegisterCommand }, { defaultDataDir }] = await Promise.all([import('../fleet/registerCommand.ts'), import('../cli/options.ts')]);
    return runRegisterCommand(args, defaultDataDir({ env: process.env, isRoot }), (line) => process.stderr.write(`${line}\n`));
  }
  return (await import('./serveCommand.ts')).runServeCommand(args, isRoot);
}
