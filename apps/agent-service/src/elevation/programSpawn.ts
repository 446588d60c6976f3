import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import type { ProgramSpawnResult, reapProgram, spawnProgram as addonSpawnProgram } from '@keeper/peercred';
import { peercredAddon } from '../../../../shared/protocol/src/node/peercredAddon.ts';

/** What RunService uses of a started program: ChildProcess's surface, so Node's spawn can stand in. */
export interface ProgramProcess {
  /** Undefined when it could not be started ('error' follows). */
  readonly pid?: number | undefined;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** False when the program has already exited (or never started). */
  kill(signal: NodeJS.Signals): boolean;
  /** After the exit and the end of both output streams. */
  on(event: 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
}

export interface ProgramSpawnOptions {
  /** argv[0]; the file by default. */
  readonly argv0?: string;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Given to the program as its descriptor 3. */
  readonly programFd: number;
  /** The identity the program runs with (the agent's when absent). */
  readonly uid?: number;
  readonly gid?: number;
}

interface Starter {
  readonly spawn: typeof addonSpawnProgram;
  readonly reap: typeof reapProgram;
}

/** The first name of each number, as Node names a child's signal (SIGABRT, not SIGIOT; SIGIO, not SIGPOLL). */
const SIGNAL_NAMES = new Map<number, NodeJS.Signals>();
for (const [name, number] of Object.entries(constants.signals)) if (!SIGNAL_NAMES.has(number)) SIGNAL_NAMES.set(number, name as NodeJS.Signals);

/**
 * Starts a program for RunService: with the addon's posix_spawn on Linux (no fork of the agent's page tables),
 * else with Node's spawn, which gives the child the same view: 0-2 as socketpairs, `programFd` at 3, signals at
 * their defaults, `cwd`, `env`, the caller's umask. Node's spawn also stands in when the addon lacks the function,
 * and when the program must get another identity than the agent's (libuv sets it in its forked child).
 */
export function spawnProgram(file: string, args: readonly string[], options: ProgramSpawnOptions): ProgramProcess {
  const addon = process.platform === 'linux' ? peercredAddon() : null;
  if (addon?.spawnProgram && addon.reapProgram) {
    const started = SpawnedProgram.start({ spawn: addon.spawnProgram, reap: addon.reapProgram }, file, args, options);
    if (started) return started;
  }
  return spawn(file, args, {
    argv0: options.argv0,
    cwd: options.cwd,
    env: options.env,
    uid: options.uid,
    gid: options.gid,
    stdio: ['pipe', 'pipe', 'pipe', options.programFd],
  });
}

/** Node's check (child_process: validateArgumentsNullCheck): a NUL would cut the C string short of what was decided. */
function withoutNul(value: string, name: string): string {
  if (value.includes('\u0000'))
    throw Object.assign(new TypeError(`The argument '${name}' must be a string without null bytes`), { code: 'ERR_INVALID_ARG_VALUE' });
  return value;
}

/** A program started by the addon; behaves as a ChildProcess for what ProgramProcess exposes. */
class SpawnedProgram extends EventEmitter implements ProgramProcess {
  readonly pid: number | undefined;
  readonly stdin: Socket | null;
  readonly stdout: Socket | null;
  readonly stderr: Socket | null;
  private reaped = false;
  private exit: [number | null, NodeJS.Signals | null] | null = null;
  private outputsOpen = 2;

  /** Null when the addon declines (another identity than the agent's): the caller uses Node's spawn. */
  static start(starter: Starter, file: string, args: readonly string[], options: ProgramSpawnOptions): SpawnedProgram | null {
    const env = Object.entries(options.env)
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([name, value]) => withoutNul(`${name}=${value}`, 'options.env'));
    const argv = [withoutNul(options.argv0 ?? file, 'options.argv0'), ...args.map((arg, i) => withoutNul(String(arg), `args[${i}]`))];
    let program: SpawnedProgram | null = null;
    const result = starter.spawn(
      {
        file: withoutNul(file, 'file'),
        argv,
        env,
        cwd: withoutNul(options.cwd, 'options.cwd'),
        programFd: options.programFd,
        ...(options.uid !== undefined ? { uid: options.uid } : {}),
        ...(options.gid !== undefined ? { gid: options.gid } : {}),
      },
      // Called once the child has exited (a zombie until reaped: its pid cannot be reused before this runs).
      () => program?.exited(starter.reap),
    );
    if (result === null) return null;
    // Node's spawn throws for the failures it does not report as 'error' (child_process.js, ChildProcess.spawn).
    if ('errno' in result && !REPORTED_SPAWN_ERRORS.has(result.errno)) throw errnoException(result.errno, 'spawn');
    program = new SpawnedProgram(file, args, result);
    return program;
  }

  private constructor(file: string, args: readonly string[], result: Exclude<ProgramSpawnResult, null>) {
    super();
    if ('errno' in result) {
      this.pid = undefined;
      this.stdin = this.stdout = this.stderr = null;
      this.reaped = true;
      // As Node: 'error', then 'close' with the negated errno as the code.
      process.nextTick(() => {
        this.emit('error', Object.assign(errnoException(result.errno, `spawn ${file}`), { path: file, spawnargs: [...args] }));
        this.emit('close', -result.errno, null);
      });
      return;
    }
    this.pid = result.pid;
    // net.Socket makes the descriptors non-blocking (libuv) and closes them when destroyed.
    this.stdin = new Socket({ fd: result.stdin, readable: false, writable: true });
    this.stdout = new Socket({ fd: result.stdout, readable: true, writable: false });
    this.stderr = new Socket({ fd: result.stderr, readable: true, writable: false });
    for (const output of [this.stdout, this.stderr])
      output.on('close', () => {
        this.outputsOpen--;
        this.maybeClose();
      });
  }

  kill(signal: NodeJS.Signals): boolean {
    if (this.pid === undefined || this.reaped) return false;
    try {
      process.kill(this.pid, signal);
      return true;
    } catch (error) {
      // As ChildProcess.kill: already gone is no error; EPERM is emitted; anything else (a bad signal) throws.
      const { code } = error as NodeJS.ErrnoException;
      if (code === 'ESRCH') return false;
      if (code !== 'EPERM') throw error;
      this.emit('error', error);
      return false;
    }
  }

  private exited(reap: Starter['reap']): void {
    if (this.pid === undefined || this.reaped) return;
    let status: ReturnType<Starter['reap']>;
    try {
      status = reap(this.pid);
    } catch {
      // Reaped by someone else (nothing in the agent waits for any child): how it ended is lost, not that it did.
      this.reaped = true;
      this.finish(null, null);
      return;
    }
    // The watcher saw it exit, so it is a zombie: waitpid cannot find it running.
    if (status === null) return;
    this.reaped = true;
    this.finish('code' in status ? status.code : null, 'signal' in status ? (SIGNAL_NAMES.get(status.signal) ?? null) : null);
  }

  /** As ChildProcess on exit: stdin is destroyed, outputs nobody reads are drained so that they can end. */
  private finish(code: number | null, signal: NodeJS.Signals | null): void {
    this.exit = [code, signal];
    this.stdin?.destroy();
    this.emit('exit', code, signal);
    for (const output of [this.stdout, this.stderr]) if (output && output.readableFlowing === null) output.resume();
    this.maybeClose();
  }

  private maybeClose(): void {
    if (this.exit && this.outputsOpen === 0) {
      const [code, signal] = this.exit;
      this.exit = null;
      this.emit('close', code, signal);
    }
  }
}

/** The errors Node's spawn reports with an 'error' event (the others it throws). */
const REPORTED_SPAWN_ERRORS = new Set([constants.errno.EACCES, constants.errno.EAGAIN, constants.errno.EMFILE, constants.errno.ENFILE, constants.errno.ENOENT]);

/** Node's ErrnoException: `<syscall> <CODE>`, with errno (negative, as libuv's), code and syscall. */
function errnoException(errno: number, syscall: string): NodeJS.ErrnoException {
  const code = Object.entries(constants.errno).find(([, number]) => number === errno)?.[0] ?? `E${errno}`;
  return Object.assign(new Error(`${syscall} ${code}`), { errno: -errno, code, syscall });
}
