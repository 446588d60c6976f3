import './runtimeSettings.ts';
import { AGENT_VERSION } from './version.ts';
import { defaultDataDir, HELP, parseCommandLine } from './cli/options.ts';
import { UsageError } from './cli/usageError.ts';
import { createLogger } from './log/logger.ts';
import { SocketInUseError } from './ipc/socketListener.ts';
import { DataDirError } from './runtime/dataDir.ts';
import { UntrustedFolderError } from './config/folderTrust.ts';
import { startAgent } from './runtime/agentRuntime.ts';
import { runJobTool } from './jobs/tools/jobTool.ts';
import { runMfaCommand } from './mfa/mfaCommand.ts';
import { runAuditCommand } from './audit/auditCommand.ts';
import { AuditKeyError } from './audit/signingKey.ts';
import { FleetSetupError } from './fleet/fleetSetup.ts';
import { systemClock, systemScheduler } from './time/clock.ts';
import { SkippableTime } from './time/skippableTime.ts';
import { listenForTimeSkips } from './time/timeSkipSignal.ts';
import { optimiseFromNowOn } from './runtime/optimiseFromNowOn.ts';

const ONE_SHOT_COMMANDS = new Set(['job-tool', 'mfa', 'audit', 'policy']);

/** Exit codes: 2 for a usage or configuration mistake (an unsafe folder included), 3 when another agent owns the socket. */
async function main(): Promise<number> {
  // Before anything is created: files, folders and the socket are the agent's alone unless it widens them on purpose.
  process.umask(0o077);
  const args = process.argv.slice(2);
  // A one-shot command is not the service's start: TurboFan for its whole run.
  const registering = args.some((arg) => arg === '--register' || arg.startsWith('--register='));
  if (ONE_SHOT_COMMANDS.has(args[0] ?? '') || registering) optimiseFromNowOn();
  if (process.argv[2] === 'job-tool') return runJobTool(process.argv.slice(3));
  if (process.argv[2] === 'mfa') return runMfaCommand(process.argv.slice(3));
  if (process.argv[2] === 'audit') return runAuditCommand(process.argv.slice(3));
  // Loaded only here: the case files' YAML reader is for `policy test` alone.
  if (process.argv[2] === 'policy') return (await import('./policy/policyTestCommand.ts')).runPolicyCommand(process.argv.slice(3));
  const isRoot = process.getuid?.() === 0;
  if (registering) {
    // Loaded only here: registration's HTTPS client is for --register alone.
    return (await import('./fleet/registerCommand.ts')).runRegisterCommand(args, defaultDataDir({ env: process.env, isRoot }), (line) =>
      process.stderr.write(`${line}\n`),
    );
  }
  let command;
  try {
    command = parseCommandLine(args, { env: process.env, isRoot, platform: process.platform });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`keeper-agent: ${error.message}\nRun keeper-agent --help for the options.\n`);
    return 2;
  }
  if (command.kind === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (command.kind === 'version') {
    process.stdout.write(`${AGENT_VERSION}\n`);
    return 0;
  }

  const log = createLogger(command.options.logLevel);
  // Listen before starting: a SIGTERM that lands mid-start must still end in a clean stop.
  const stopRequested = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  // A test aid, off by default (cli/options.ts refuses it for the system agent).
  const time = command.options.timeSkip ? new SkippableTime() : undefined;
  if (time) listenForTimeSkips(time, command.options.dataDir, log);
  let agent;
  try {
    agent = await startAgent(command.options, { log, clock: time ?? systemClock, scheduler: time ?? systemScheduler, isRoot });
  } catch (error) {
    if (error instanceof SocketInUseError) {
      process.stderr.write(`keeper-agent: ${error.message}\n`);
      return 3;
    }
    if (error instanceof DataDirError || error instanceof UntrustedFolderError || error instanceof FleetSetupError || error instanceof AuditKeyError) {
      log.error({ err: error.message }, 'keeper-agent refused to start');
      process.stderr.write(`keeper-agent: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`keeper-agent: cannot start: ${(error as Error).message}\n`);
    return 1;
  }

  await stopRequested;
  await agent.stop();
  return 0;
}

process.exitCode = await main();
