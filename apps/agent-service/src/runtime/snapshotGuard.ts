// The startup snapshot's first import (runtime/snapshotEntry.ts): watches, while the modules' bodies run on the
// build machine, the reads of the process that a module must make when used, never in its body.

const PROCESS_READS = ['getuid', 'geteuid', 'getgid', 'getegid', 'getgroups', 'cwd', 'umask'] as const;
const OS_READS = ['hostname', 'homedir', 'userInfo', 'networkInterfaces', 'tmpdir', 'cpus', 'totalmem', 'release', 'version', 'machine'] as const;
// Files and folders as the build machine has them (a "missing means allowed" default would be frozen).
const FS_READS = ['existsSync', 'statSync', 'lstatSync', 'readFileSync', 'readdirSync', 'openSync', 'accessSync', 'realpathSync', 'readlinkSync'] as const;
// Node refills randomBytes' pool after deserialisation but not randomUUID's or randomInt's cache: a value drawn
// while building would be the same next values on every machine (ids, enrollment codes). Keys likewise.
const CRYPTO_READS = [
  'randomUUID',
  'randomInt',
  'randomBytes',
  'randomFill',
  'randomFillSync',
  'getRandomValues',
  'generateKey',
  'generateKeySync',
  'generateKeyPair',
  'generateKeyPairSync',
  'createDiffieHellman',
  'createECDH',
] as const;
const WEB_CRYPTO_READS = ['randomUUID', 'getRandomValues'] as const;

const reads: string[] = [];
const restores: Array<() => void> = [];
/** Off once the build's modules ran: a wrapper a module body kept a reference to must not record in the agent. */
let watching = false;

function where(): string {
  return (new Error().stack ?? '').split('\n').slice(3, 6).join(' <') || '?';
}

function watchFunction(target: Record<string, unknown>, name: string, label: string): void {
  const original = target[name];
  if (typeof original !== 'function') return;
  target[name] = function watched(this: unknown, ...args: unknown[]) {
    if (watching) reads.push(`${label}() at ${where()}`);
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
  const fs = process.getBuiltinModule('node:fs') as unknown as Record<string, unknown>;
  for (const name of FS_READS) watchFunction(fs, name, `fs.${name}`);
  const crypto = process.getBuiltinModule('node:crypto') as unknown as Record<string, unknown>;
  for (const name of CRYPTO_READS) watchFunction(crypto, name, `crypto.${name}`);
  const webCrypto = globalThis.crypto as unknown as Record<string, unknown>;
  for (const name of WEB_CRYPTO_READS) watchFunction(webCrypto, name, `crypto.${name} (web)`);
  const env = process.env;
  const noteEnv = (key: string | symbol, how: string) => {
    if (watching && typeof key === 'string') reads.push(`process.env.${key}${how} at ${where()}`);
  };
  process.env = new Proxy(env, {
    get(target, key, receiver) {
      noteEnv(key, '');
      return Reflect.get(target, key, receiver) as unknown;
    },
    has(target, key) {
      noteEnv(key, ' (in)');
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      if (watching) reads.push(`the environment's names at ${where()}`);
      return Reflect.ownKeys(target);
    },
  });
  restores.push(() => {
    process.env = env;
  });
  watching = true;
}

/**
 * Ends the watch (runtime/snapshotEntry.ts, after its imports) and fails the build if a module read the user,
 * the folders, the host, the environment, files or randomness while the snapshot was built: the blob would keep the build
 * machine's answer (its uid, its NODE_ENV) for every machine that runs it.
 */
export function assertNoProcessReadWhileBuilding(): void {
  watching = false;
  for (const restore of restores.splice(0)) restore();
  if (reads.length > 0) throw new Error(`read while the startup snapshot was built (do it when used, not in a module body):\n${reads.join('\n')}`);
}
