import { readFileSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';

/** One process as the kernel describes it in /proc; what cannot be read is null or empty. */
export interface ProcessFacts {
  readonly pid: number;
  readonly ppid: number;
  /** Real uid (the first field of `Uid:` in /proc/<pid>/status). */
  readonly uid: number | null;
  readonly comm: string;
  /** The executable's path (/proc/<pid>/exe); null for kernel threads or when it cannot be read. */
  readonly exe: string | null;
  readonly argv: readonly string[];
  /** tty_nr from /proc/<pid>/stat: 0 when the process has no controlling terminal. */
  readonly ttyNr: number;
  /** The kernel's audit session id, null when unset (4294967295) or absent. */
  readonly auditSession: string | null;
  readonly cgroup: string;
}

const UNSET_AUDIT_SESSION = '4294967295';
/** Deeper chains than this are not real process trees; the walk stops rather than loop. */
const MAX_DEPTH = 128;
const INTERPRETER = /^(node|nodejs|bun|deno|python[\d.]*|ruby|perl|sh|bash|dash|zsh)$/;

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Reads /proc/<pid>; null when the process is gone or its stat cannot be read. Only stat is read at
 * once: every elevation request walks its ancestry, so the other files are read when first asked for.
 */
export function readProcess(pid: number, procRoot = '/proc'): ProcessFacts | null {
  const dir = join(procRoot, String(pid));
  const stat = read(join(dir, 'stat'));
  if (stat === null) return null;
  // "pid (comm) state ppid pgrp session tty_nr …": comm may itself hold spaces and parentheses.
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const rest = stat.slice(close + 2).split(' ');
  const ppid = Number(rest[1]);
  const ttyNr = Number(rest[4]);
  const once = <T>(load: () => T): (() => T) => {
    let value: { v: T } | null = null;
    return () => (value ??= { v: load() }).v;
  };
  const uid = once(() => {
    const line = /^Uid:\s+(\d+)/m.exec(read(join(dir, 'status')) ?? '');
    return line ? Number(line[1]) : null;
  });
  const exe = once(() => {
    try {
      return readlinkSync(join(dir, 'exe'));
    } catch {
      return null;
    }
  });
  const argv = once(() => (read(join(dir, 'cmdline')) ?? '').split('\0').filter((arg) => arg.length > 0));
  const auditSession = once(() => {
    const id = read(join(dir, 'sessionid'))?.trim() ?? null;
    return id && id !== UNSET_AUDIT_SESSION ? id : null;
  });
  const cgroup = once(() => read(join(dir, 'cgroup')) ?? '');
  return {
    pid,
    ppid: Number.isInteger(ppid) ? ppid : 0,
    comm: stat.slice(open + 1, close),
    ttyNr: Number.isInteger(ttyNr) ? ttyNr : 0,
    get uid() {
      return uid();
    },
    get exe() {
      return exe();
    },
    get argv() {
      return argv();
    },
    get auditSession() {
      return auditSession();
    },
    get cgroup() {
      return cgroup();
    },
  };
}

/** The process and its ancestors, nearest first, up to (not including) pid 0. */
export function ancestry(pid: number, procRoot = '/proc'): ProcessFacts[] {
  const chain: ProcessFacts[] = [];
  const seen = new Set<number>();
  let next = pid;
  while (next > 0 && !seen.has(next) && chain.length < MAX_DEPTH) {
    seen.add(next);
    const facts = readProcess(next, procRoot);
    if (!facts) break;
    chain.push(facts);
    next = facts.ppid;
  }
  return chain;
}

/** The names a process goes by: comm, the executable's file name, argv[0] and, for interpreters, the script. */
export function namesOf(facts: ProcessFacts): string[] {
  const names = [facts.comm, facts.exe ? basename(facts.exe.replace(/ \(deleted\)$/, '')) : '', basename(facts.argv[0] ?? '')];
  // `node /usr/lib/node_modules/.bin/claude`, `python3 -m aider`: under an interpreter the script names the program.
  if (INTERPRETER.test(basename(facts.exe ?? facts.argv[0] ?? ''))) {
    const script = facts.argv.slice(1).find((arg) => !arg.startsWith('-'));
    if (script) names.push(basename(script));
  }
  return [...new Set(names.filter((name) => name.length > 0))];
}
