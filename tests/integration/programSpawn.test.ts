import { ChildProcess, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnProgram, type ProgramProcess, type ProgramSpawnOptions } from '../../apps/agent-service/src/elevation/programSpawn.ts';
import { withChildUmask } from '../../apps/agent-service/src/runtime/childUmask.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy } from '../support/policyFixtures.ts';
import { ELEVATE, runCli } from '../support/runAsCli.ts';

const MODULE = resolve(import.meta.dirname, '../../apps/agent-service/src/elevation/programSpawn.ts');
const O_CLOEXEC = 0o2000000;

/** The output of a started program, and how it ended ('close'), or the error it failed with. */
function outcome(child: ProgramProcess): Promise<{ stdout: string; stderr: string; code: number | null; signal: string | null }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done, fail) => {
    child.on('close', (code, signal) => done({ stdout, stderr, code, signal }));
    child.on('error', fail);
  });
}

/** The agent's case: the program's descriptor at 3, executed as /proc/self/fd/3. */
function runProgram(path: string, args: string[], options: Partial<ProgramSpawnOptions> = {}): { child: ProgramProcess; fd: number } {
  const fd = openSync(path, 'r');
  try {
    const child = spawnProgram('/proc/self/fd/3', args, { argv0: path, cwd: '/', env: { PATH: '/usr/bin:/bin' }, programFd: fd, ...options });
    return { child, fd };
  } finally {
    closeSync(fd);
  }
}

/** Descriptors this test process holds without close-on-exec: given to it by whoever started it, and to every exec. */
function inheritedByAnyExec(): number[] {
  const open = readdirSync('/proc/self/fd').map(Number);
  return open.filter((fd) => {
    if (fd < 3) return false;
    try {
      const flags = /^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1];
      return flags !== undefined && (parseInt(flags, 8) & O_CLOEXEC) === 0;
    } catch {
      return false; // the listing's own descriptor, closed since
    }
  });
}

describe.runIf(process.platform === 'linux')('spawnProgram: the elevated program started with posix_spawn', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keeper-spawn-'));
  let server: Server;
  const held: number[] = [];

  beforeAll(async () => {
    // Descriptors of the kinds the agent holds (a listening socket, open files) must not reach the program.
    server = createServer();
    await new Promise<void>((listening) => server.listen(join(dir, 'socket'), listening));
    held.push(openSync(join(dir, 'held'), 'w'), openSync('/etc/hostname', 'r'));
  });

  afterAll(() => {
    server.close();
    for (const fd of held) closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts the program itself, not through a fork of this process, when it keeps this identity', () => {
    const { child } = runProgram('/usr/bin/true', [], { uid: 0, gid: 0 });
    const supplementary = /^Groups:[ \t]*(.*)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]?.trim() ?? '';
    // libuv clears supplementary groups in its child: with some, only Node's spawn gives the same result.
    expect(child instanceof ChildProcess).toBe(process.getuid?.() !== 0 || supplementary !== '');
    child.kill('SIGKILL');
  });

  it('gives argv[0], the arguments, the environment and the folder as asked, and nothing else', async () => {
    const script = "tr '\\0' '|' < /proc/$$/cmdline; echo; pwd; /usr/bin/env";
    const { child } = runProgram(realpathSync('/usr/bin/sh'), ['-c', script, 'one two', ''], {
      cwd: dir,
      env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', EMPTY: '', UNSET: undefined },
    });
    const result = await outcome(child);
    expect(result).toMatchObject({ code: 0, signal: null, stderr: '' });
    const [line, folder, ...env] = result.stdout.trimEnd().split('\n');
    expect(line).toBe(`${realpathSync('/usr/bin/sh')}|-c|${script}|one two||`);
    expect(folder).toBe(dir);
    // dash adds PWD, as it does under Node's spawn.
    expect(env.sort()).toEqual(['EMPTY=', 'LANG=C.UTF-8', 'PATH=/usr/bin:/bin', `PWD=${dir}`]);
  });

  it('gives the program descriptors 0-3 only: three sockets and the program, and none of the caller', async () => {
    const { child } = runProgram('/usr/bin/cat', []);
    const pid = child.pid!;
    // Once cat echoes, its loader is done with the files it opens at start: what is left is what it was given.
    child.stdin?.write('x');
    await new Promise((echoed) => child.stdout?.once('data', echoed));
    const fds = readdirSync(`/proc/${pid}/fd`)
      .map(Number)
      .sort((a, b) => a - b);
    const targets = fds.map((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`));
    child.stdin?.end();
    expect(await outcome(child)).toMatchObject({ code: 0 });
    expect(fds).toEqual([0, 1, 2, 3, ...inheritedByAnyExec().filter((fd) => fd > 3)].sort((a, b) => a - b));
    expect(targets.slice(0, 3).every((target) => /^socket:\[\d+\]$/.test(target))).toBe(true);
    expect(targets[3]).toBe(realpathSync('/usr/bin/cat'));
  });

  it('leaves every signal at its default disposition and none blocked, though the caller ignores SIGPIPE', async () => {
    const own = readFileSync('/proc/self/status', 'utf8');
    const ignored = BigInt(`0x${/^SigIgn:\s*([0-9a-f]+)$/m.exec(own)?.[1]}`);
    expect(ignored & (1n << 12n)).toBe(1n << 12n); // SIGPIPE (13), ignored by Node
    const { child } = runProgram('/usr/bin/grep', ['-E', '^Sig(Blk|Ign):', '/proc/self/status']);
    const result = await outcome(child);
    expect(result.stdout).toBe('SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n');
  });

  it('applies the umask it is started under (withChildUmask), not the caller’s', async () => {
    const own = process.umask(0o077);
    try {
      const { child } = withChildUmask(() => runProgram(realpathSync('/usr/bin/sh'), ['-c', 'umask']));
      expect((await outcome(child)).stdout).toBe('0022\n');
    } finally {
      process.umask(own);
    }
  });

  it('passes stdin through and ends it on end()', async () => {
    const { child } = runProgram('/usr/bin/cat', []);
    child.stdin?.write('hello ');
    child.stdin?.end('world');
    expect(await outcome(child)).toEqual({ stdout: 'hello world', stderr: '', code: 0, signal: null });
  });

  it('reports the exit code, or the signal that ended it, and reaps the program', async () => {
    const exited = runProgram(realpathSync('/usr/bin/sh'), ['-c', 'echo out; echo err >&2; exit 7']).child;
    expect(await outcome(exited)).toEqual({ stdout: 'out\n', stderr: 'err\n', code: 7, signal: null });
    expect(existsSync(`/proc/${exited.pid}`)).toBe(false);
    const killed = runProgram(realpathSync('/usr/bin/sh'), ['-c', 'kill -ABRT $$']).child;
    expect(await outcome(killed)).toMatchObject({ code: null, signal: 'SIGABRT' });
  });

  it('signals a running program, and refuses once it has exited', async () => {
    const { child } = runProgram('/usr/bin/sleep', ['30']);
    const ended = outcome(child);
    expect(child.kill('SIGTERM')).toBe(true);
    expect(await ended).toMatchObject({ code: null, signal: 'SIGTERM' });
    expect(child.kill('SIGTERM')).toBe(false);
  });

  it('waits for both outputs to end before close, after the exit', async () => {
    // The shell exits at once; its background child holds stdout for a while.
    const { child } = runProgram(realpathSync('/usr/bin/sh'), ['-c', '(sleep 0.3; echo late) &']);
    expect((await outcome(child)).stdout).toBe('late\n');
  });

  it("fails as Node's spawn does when the program cannot be executed: 'error', then 'close' with -errno", async () => {
    const script = join(dir, 'not-executable');
    writeFileSync(script, '#!/bin/sh\necho ran\n');
    chmodSync(script, 0o644);
    const { child } = runProgram(script, ['a']);
    const events: unknown[] = [];
    child.on('error', (error) => events.push(error));
    await new Promise<void>((closed) => child.on('close', (code, signal) => closed(void events.push([code, signal]))));
    expect(events).toEqual([
      expect.objectContaining({ message: 'spawn /proc/self/fd/3 EACCES', errno: -13, code: 'EACCES', syscall: 'spawn /proc/self/fd/3', spawnargs: ['a'] }),
      [-13, null],
    ]);
    expect(child.pid).toBeUndefined();
    expect(child.kill('SIGTERM')).toBe(false);
    const missingFolder = runProgram('/usr/bin/true', [], { cwd: join(dir, 'missing') }).child;
    expect(await new Promise((failed) => missingFolder.on('error', failed))).toMatchObject({ code: 'ENOENT' });
    // Node throws the other failures at once.
    expect(() => spawnProgram('/etc/hostname/x', [], { cwd: '/', env: {}, programFd: 0 })).toThrow(
      expect.objectContaining({ message: 'spawn ENOTDIR', errno: -20, code: 'ENOTDIR', syscall: 'spawn' }),
    );
  });

  it("runs an executable without #! through /bin/sh, as Node's spawn (execvp) does", async () => {
    const script = join(dir, 'no-interpreter');
    writeFileSync(script, 'echo "$0 $1"; tr "\\0" " " < /proc/$$/cmdline\n');
    chmodSync(script, 0o755);
    const { child } = runProgram(script, ['one']);
    expect(await outcome(child)).toMatchObject({ code: 0, stdout: '/proc/self/fd/3 one\n/bin/sh /proc/self/fd/3 one ' });
  });

  it('refuses a NUL in what it would pass, as Node does', () => {
    expect(() => runProgram('/usr/bin/true', ['a\u0000b'])).toThrow(/without null bytes/);
    expect(() => runProgram('/usr/bin/true', [], { env: { A: 'x\u0000y' } })).toThrow(/without null bytes/);
  });

  it('runs another identity through Node’s spawn (libuv sets it in its child)', async () => {
    const { child } = runProgram('/usr/bin/id', ['-u'], { uid: 65534, gid: 65534 });
    expect(child instanceof ChildProcess).toBe(true);
    expect(await outcome(child)).toMatchObject({ code: 0, stdout: '65534\n' });
  });

  it('does not keep the process alive once the program has exited', () => {
    const script = `import { spawnProgram } from ${JSON.stringify(MODULE)};
      spawnProgram('/usr/bin/sleep', ['0.2'], { cwd: '/', env: {}, programFd: 0 }).on('close', (code) => console.log('closed', code));`;
    const started = Date.now();
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('closed 0\n');
    expect(result.status).toBe(0);
    // It waited for the program (the watcher keeps the loop alive while it runs), then ended.
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });
});

describe.runIf(process.platform === 'linux')('the descriptors an elevated program gets from the real agent', () => {
  const sandbox = policyAgentSandbox();

  beforeAll(async () => {
    await sandbox.start({ apps: { 'col-sh': realpathSync('/usr/bin/sh') }, policies: [appPolicy('allow-sh', 'col-sh', ['ALLOW'])], openToOtherUsers: true });
  });

  afterAll(() => sandbox.dispose());

  it('are 0-3 only, as root and through setpriv as another user: none of the agent’s own', async () => {
    // ls lists the shell's descriptors from a child of its own (not exec'd: a command follows), so neither ls's
    // descriptor on the folder nor a pipe of the shell's is among them.
    const list = '/usr/bin/ls -l /proc/$$/fd; exit 0';
    // What the agent inherited from this process without close-on-exec, every exec passes on.
    const expected = [0, 1, 2, 3, ...inheritedByAnyExec().filter((fd) => fd > 3)].sort((a, b) => a - b);
    for (const user of [undefined, 'nobody']) {
      const result = await runCli(ELEVATE, sandbox.socket, ['/usr/bin/sh', '-c', list], user ? { user } : {});
      expect(result.code, result.stderr).toBe(0);
      const open = [...result.stdout.matchAll(/ (\d+) -> (.+)$/gm)].map(([, fd, target]) => [fd, target]);
      expect(open.map(([fd]) => Number(fd)).sort((a, b) => a - b)).toEqual(expected);
      expect(open.find(([fd]) => fd === '3')?.[1]).toBe(realpathSync('/usr/bin/sh'));
    }
  });
});
