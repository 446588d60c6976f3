import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_BIN } from './agentProcess.ts';

/**
 * Writes, into `folder`, a script that starts the agent in a private mount namespace where `source` is
 * bind-mounted over `target` (a changed system file, a package database), so the agent meets it at
 * the real path without the machine's own file changing. SIGTERM and SIGINT are passed on. Returns
 * the script, for `startAgent({ agentBin })`.
 */
export function agentInMountNamespace(folder: string, source: string, target: string): string {
  const wrapper = join(folder, 'agent-in-namespace.mjs');
  writeFileSync(
    wrapper,
    `import { spawn } from 'node:child_process';
     const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" "$1" && shift && exec "$@"',
       ${JSON.stringify(source)}, ${JSON.stringify(target)}, process.execPath, ${JSON.stringify(AGENT_BIN)}, ...process.argv.slice(2)], { stdio: 'inherit' });
     for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => child.kill(signal));
     child.on('exit', (code) => process.exit(code ?? 1));`,
  );
  return wrapper;
}
