// The startup snapshot's first import (runtime/snapshotEntry.ts): watches, while the modules' bodies run on the
// build machine, the reads of the process that a module must make when used, never in its body.

const PROCESS_READS = ['getuid', 'geteuid', 'getgid', 'getegid', 'getgroups', 'cwd'] as const;
const OS_READS = ['hostname', 'homedir', 'userInfo', 'networkInterfaces', 'tmpdir'] as const;

const reads: string[] = [];
const restores: Array<() => void> = [];

function where(): string {
  return (new Error().stack ?? '').split('\n').slice(3, 6).join(' <') || '?';
}

function watchFunction(target: Record<string, unknown>, name: string, label: string): void {
  const original = target[name];
  if (typeof original !== 'function') return;
  target[name] = function watched(this: unknown, ...args: unknown[]) {
    reads.push(`${label}() at ${where()}`);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
  restores.push(() => {
    target[name] = original;
  });
}

if (process.getBuiltinModule('node:v8').startupSnapshot.isBuildingSnapshot()) {
  for (const name of PROCESS_READS) watchFunction(process as unknown as Record<string, unknown>, name, `process.${name}`);
  const os = process.getBuiltinModule('node:os') as unknown as Record<string, unknown>;
  for (const name of OS_READS) watchFunction(os, name, `os.${name}`);
  const env = process.env;
  process.env = new Proxy(env, {
    get(target, key, receiver) {
      if (typeof key === 'string') reads.push(`process.env.${key} at ${where()}`);
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  restores.push(() => {
    process.env = env;
  });
}

/**
 * Ends the watch (runtime/snapshotEntry.ts, after its imports) and fails the build if a module read the user,
 * the folders, the host or the environment while the snapshot was built: the blob would keep the build
 * machine's answer (its uid, its NODE_ENV) for every machine that runs it.
 */
export function assertNoProcessReadWhileBuilding(): void {
  for (const restore of restores.splice(0)) restore();
  if (reads.length > 0) throw new Error(`read while the startup snapshot was built (do it when used, not in a module body):\n${reads.join('\n')}`);
}
