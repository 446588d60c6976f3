import { AGENT_VERSION } from '../version.ts';
import { HELP, parseCommandLine } from '../cli/options.ts';
import { UsageError } from '../cli/usageError.ts';
import { createLogger } from '../log/logger.ts';
import { SocketInUseError } from '../ipc/socketListener.ts';
import { UntrustedFolderError } from '../config/folderTrust.ts';
import { AuditKeyError } from '../audit/signingKey.ts';
import { FleetSetupError } from '../fleet/fleetSetup.ts';
import { systemClock, systemScheduler } from '../time/clock.ts';
import { SkippableTime } from '../time/skippableTime.ts';
import { listenForTimeSkips } from '../time/timeSkipSignal.ts';
import { startAgent } from './agentRuntime.ts';
import { DataDirError } from './dataDir.ts';

/**
 * `keeper-agent [options]`: serves until SIGINT or SIGTERM (also --help and --version). Exit codes: 2 for
 * a usage or configuration mistake (an unsafe folder included), 3 when another agent owns the socket.
 */
export async function runServeCommand(args: readonly string[], isRoot: boolean): Promise<number> {
  let command;
  try {
    command = parseCommandLine([...args], { env: process.env, isRoot, platform: process.platform });
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
