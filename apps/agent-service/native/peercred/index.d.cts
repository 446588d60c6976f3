export interface PeerCredentials {
  uid: number;
  gid: number;
  /** 0 when the kernel cannot tell (peer in another pid namespace; macOS without LOCAL_PEERPID). */
  pid: number;
}

/** Throws an Error (with `errno` and `syscall`) when the fd is not a connected Unix socket. */
export function getPeerCredentials(fd: number): PeerCredentials;

export interface ProgramOpenOptions {
  /** Absolute path as the caller gave it. */
  path: string;
  /** The caller's uid and gid; their supplementary groups come from NSS. */
  uid: number;
  gid: number;
  /** Take the caller's filesystem identity for the lookup (the agent runs as root). */
  switchIdentity: boolean;
  /** A file the caller can write is copied into a sealed memfd, and that copy is hashed and handed back. */
  sealIfWritable: boolean;
  maxCopyBytes: number;
}

export type ProgramOpenResult =
  | { ok: true; fd: number; path: string; sha256: string; sealed: boolean; size: number }
  | {
      ok: false;
      code: 'not-found' | 'not-readable' | 'not-regular' | 'writable-by-others' | 'changed' | 'too-large' | 'failed' | 'unsupported';
      /** The path as given (lookup failures), the canonical path, or the folder that others can write. */
      path: string;
      errno: number;
    };

/**
 * Resolves, opens once (O_NOFOLLOW, O_NONBLOCK, O_CLOEXEC, no symlinks on the way), checks and hashes
 * a program file with the caller's rights, on a thread of its own. The descriptor is the caller's to close.
 */
export function openProgramAsCaller(options: ProgramOpenOptions): Promise<ProgramOpenResult>;

/** SHA-256 of everything behind an open descriptor (read from offset 0), on a thread of its own. */
export function hashDescriptor(fd: number): Promise<{ ok: true; sha256: string } | { ok: false; code: string; errno: number }>;

/**
 * The uid owning the TCP socket (IPv4, or IPv4-mapped IPv6) whose own end is localAddress:localPort
 * and whose peer is remoteAddress:remotePort, from one exact NETLINK_SOCK_DIAG lookup (Linux); null
 * when no process holds such a socket. Throws when the lookup itself fails, and elsewhere than Linux.
 */
export function tcpSocketOwner(localAddress: string, localPort: number, remoteAddress: string, remotePort: number): number | null;

/**
 * Returns the C heap's free pages to the system (glibc's malloc_trim(0)); true when some were released.
 * A no-op returning false with other C libraries.
 */
export function trimMalloc(): boolean;

/**
 * A blocking, close-on-exec stream socket connected to the Unix socket at `path`. `timeoutMs` is its send timeout:
 * a connect that waits on a full backlog, or a write the peer does not take, gives up after it with EAGAIN; reads
 * are not bounded. Throws an Error with `errno` and `syscall`. The caller reads the peer's credentials before it
 * writes, and closes the descriptor.
 */
export function connectUnixSocket(path: string, timeoutMs: number): number;

/** Shuts a connected socket down both ways, so a read pending on another thread returns at once. */
export function shutdownSocket(fd: number): void;

/** isatty(3): whether `fd` is a terminal. */
export function isTerminal(fd: number): boolean;

export interface ProgramSpawnOptions {
  /** Absolute path of what to exec. */
  file: string;
  /** argv, argv[0] included. */
  argv: string[];
  /** The whole environment, as `NAME=value`. */
  env: string[];
  /** Absolute; the child's chdir failing fails the start. */
  cwd: string;
  /** Passed to the child as its descriptor 3. */
  programFd: number;
  /** The identity the child must have, as Node's spawn takes them (it inherits the agent's; see the result). */
  uid?: number;
  gid?: number;
}

export type ProgramSpawnResult =
  /** The agent's ends of the child's 0-2 (socketpairs, close-on-exec, blocking), the caller's to wrap and close. */
  | { pid: number; stdin: number; stdout: number; stderr: number }
  /** posix_spawn failed (the exec, or the chdir, in the child): nothing runs. */
  | { errno: number }
  /** uid or gid was given and the child would not get exactly it, and no supplementary groups, by inheritance. */
  | null;

/**
 * Starts a program with posix_spawn (Linux): descriptors 0-3 only, every signal at its default disposition and
 * unblocked, the given folder and environment, the caller's umask. `onExit` is called once when the child has
 * exited; it stays a zombie until reapProgram, so its pid cannot be reused before. Throws an Error (with `errno`
 * and `syscall`) when the socketpairs or the watching thread cannot be made. Missing elsewhere than Linux.
 */
export function spawnProgram(options: ProgramSpawnOptions, onExit: () => void): ProgramSpawnResult;

/** waitpid(pid, WNOHANG): null while it runs, its exit code or the number of the signal that ended it. Throws (ECHILD…). */
export function reapProgram(pid: number): { code: number } | { signal: number } | null;
