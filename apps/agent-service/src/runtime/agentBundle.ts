import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Set by vite.agent.config.ts: the code runs from the built bundle (or its startup snapshot), not from the source tree. */
declare const __KEEPER_AGENT_BUNDLE__: boolean | undefined;
export const IS_AGENT_BUNDLE = typeof __KEEPER_AGENT_BUNDLE__ === 'boolean' && __KEEPER_AGENT_BUNDLE__;

/**
 * Where the bundle's resources are. Installed (resources/agent/), the installers put policies/, jobs/
 * and agentic/ beside the bundle; in the package (`npm exec keeper-agent`, the bin) the bundle is
 * dist/agent/keeper-agent.mjs and they stay in resources/ at the package's root.
 */
function bundleResourcesDir(bundleDir: string): string {
  return existsSync(join(bundleDir, 'policies')) ? bundleDir : resolve(bundleDir, '../../resources');
}

function locateResources(): string {
  return IS_AGENT_BUNDLE ? bundleResourcesDir(import.meta.dirname) : resolve(import.meta.dirname, '../../../../resources');
}

const { startupSnapshot } = process.getBuiltinModule('node:v8');

/**
 * The default policies, jobs and data files the agent reads at run time (agentic/agentSignatures.json).
 * In the startup snapshot this module ran on the build machine: the folder is found again once the blob is
 * loaded, beside it, before the agent's main runs.
 */
export let resourcesDir = startupSnapshot.isBuildingSnapshot() ? '' : locateResources();
if (startupSnapshot.isBuildingSnapshot()) {
  startupSnapshot.addDeserializeCallback(() => {
    resourcesDir = locateResources();
  });
}

/** The script whose `job-tool` subcommand runs the default jobs' tools: the bundle once built (beside the blob in a snapshot), else the source. */
export function agentScript(): string {
  return IS_AGENT_BUNDLE ? import.meta.filename : resolve(import.meta.dirname, '../main.ts');
}
