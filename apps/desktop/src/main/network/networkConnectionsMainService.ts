import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NetworkActionResult, NetworkConnectionsService } from '../../../../../shared/bridge/src/common/services/networkConnections.ts';
import type { ServiceImplementation } from '../../../../../shared/bridge/src/common/serviceDescriptor.ts';
import { agentProblem, problem, rawText, type ProblemLog } from '../elevation/elevationProblem.ts';
import type { ElevationRunner, TrackedElevation } from '../elevation/elevationRunner.ts';
import { joinCommandWords } from '../quickElevate/commandWords.ts';
import { readNetworkSnapshot, SYSTEM_SOURCES, type InventorySources } from './networkInventory.ts';

/** What a finished elevated command means for the window; what the tool printed goes to the log. */
export function actionResult(entry: TrackedElevation, log: ProblemLog): NetworkActionResult {
  if (entry.phase === 'denied') return { outcome: 'denied', requestId: entry.requestId, reason: entry.reason, reasonDetail: entry.reasonDetail };
  if (entry.phase === 'exited' && entry.exitCode === 0) return { outcome: 'done', requestId: entry.requestId };
  if (entry.phase !== 'exited') return { outcome: 'failed', requestId: entry.requestId, problem: entry.problem ?? problem('agent-unavailable') };
  const shown = entry.signal ? problem('signal', { signal: entry.signal }) : problem('exit-code', { code: entry.exitCode ?? -1 });
  log(shown, `${entry.commandLine}: ${entry.outputTail.trim() || '(no output)'}`);
  return { outcome: 'failed', requestId: entry.requestId, problem: shown };
}

/**
 * Keeper.NetworkConnections' main side. Reading needs no rights; each change is an elevation
 * request for the system tool that makes it (`ip`, `nmcli`), decided by policy like any other, and
 * run by the agent only when allowed.
 */
export function networkConnectionsMainService(
  runner: ElevationRunner,
  sources: InventorySources = SYSTEM_SOURCES,
): ServiceImplementation<typeof NetworkConnectionsService> {
  const elevate = async (tool: string, args: string[]): Promise<NetworkActionResult> => {
    const executable = sources.findTool(tool);
    if (!executable) return { outcome: 'failed', requestId: null, problem: problem('tool-missing', { tool }) };
    try {
      const started = await runner.start({ executable, arguments: args, cwd: '/', policyType: 'PrivilegeElevation' }, joinCommandWords([executable, ...args]));
      return actionResult(await started.done, sources.log);
    } catch (error) {
      const shown = agentProblem(error);
      sources.log(shown, `elevation.request ${tool} ${args.join(' ')}: ${rawText(error)}`);
      return { outcome: 'failed', requestId: null, problem: shown };
    }
  };

  return {
    snapshot: () => readNetworkSnapshot(sources),
    setInterfaceState: (name, state) => {
      if (!existsSync(join(sources.sysClassNet, name)))
        return Promise.resolve({ outcome: 'failed', requestId: null, problem: problem('no-interface', { name }) });
      return elevate('ip', ['link', 'set', 'dev', name, state]);
    },
    forgetNetwork: (uuid) => elevate('nmcli', ['connection', 'delete', 'uuid', uuid]),
  };
}
