// The startup snapshot's entry (agent-snapshot.config.ts builds it as one CommonJS file and the blob from it). Its
// imports run on the build machine, in this order: the guard, the settings (zod jitless before any schema), then
// every module the service needs, whose state (zod schemas, tables, functions) the blob keeps. Whatever must see
// the real process (flags, argv, env, the user, files, native addons, handles) runs in the main below or later;
// the warm-up compiles the start's parsing into the blob (startWarmup.ts), and the two checks after it fail the
// build when a module body, or the warm-up, did otherwise.
import { assertNoProcessReadWhileBuilding } from './snapshotGuard.ts';
import { applyStartFlags } from '../runtimeSettings.ts';
import { runAgentCommand } from './agentCommand.ts';
import './serveCommand.ts';
import { assertNothingLocatedWhileBuilding } from './snapshotLocation.ts';
import { warmStartPaths } from './startWarmup.ts';

warmStartPaths();
assertNothingLocatedWhileBuilding();
assertNoProcessReadWhileBuilding();

/**
 * The command line after node's own options. Node 24 gives a snapshot's main `[node, ...args]` (no script);
 * later versions repeat node's path as argv[1], as for single executable applications. No argument of the
 * agent is ever node's own path.
 */
function agentArgs(): string[] {
  return process.argv[1] === process.argv[0] ? process.argv.slice(2) : process.argv.slice(1);
}

process.getBuiltinModule('node:v8').startupSnapshot.setDeserializeMainFunction(() => {
  applyStartFlags();
  // A rejection stays unhandled, as main.ts's top-level await leaves it: Node prints it and exits with 1.
  void runAgentCommand(agentArgs()).then((code) => {
    process.exitCode = code;
  });
});
