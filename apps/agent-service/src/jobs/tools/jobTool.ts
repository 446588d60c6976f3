import { jobRunRetention } from './jobRunRetention.ts';
import { versionInfo } from './versionInfo.ts';

/**
 * The default jobs' Service tasks, run as `keeper-agent job-tool NAME ARGS…` (`{NodePath}
 * {AgentScript} job-tool …` in a job): a subcommand of the agent itself, so the shipped bundle
 * carries them and the same job files work from the source tree and from the package.
 */
const TOOLS: Readonly<Record<string, (args: readonly string[]) => number>> = {
  'version-info': versionInfo,
  'job-run-retention': jobRunRetention,
};

/** Runs one tool and returns its exit code; 2 for a name that is not a tool. */
export function runJobTool([name, ...args]: readonly string[]): number {
  const tool = name !== undefined && Object.hasOwn(TOOLS, name) ? TOOLS[name] : undefined;
  if (!tool) {
    process.stderr.write(`keeper-agent job-tool: unknown tool ${JSON.stringify(name ?? '')} (tools: ${Object.keys(TOOLS).join(', ')})\n`);
    return 2;
  }
  return tool(args);
}
