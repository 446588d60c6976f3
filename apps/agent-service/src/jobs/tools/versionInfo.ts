/**
 * The log-version-info job's Service task: prints what is running here as one JSON object, which
 * the job merges into its context (MergeStdoutJsonIntoContext) and the audit keeps as the task output.
 *
 *   keeper-agent job-tool version-info AGENT_VERSION
 */
import { arch, hostname, platform, release } from 'node:os';

export function versionInfo(args: readonly string[]): number {
  const agentVersion = args[0] ?? 'unknown';
  process.stdout.write(
    JSON.stringify({
      AgentVersion: agentVersion,
      NodeVersion: process.versions.node,
      Platform: platform(),
      OsRelease: release(),
      Arch: arch(),
      Host: hostname(),
    }),
  );
  return 0;
}
