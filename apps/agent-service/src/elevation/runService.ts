import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { AgentError, AgentErrorCodes, ElevationExited, ElevationOutput, type ReasonDetail } from '../../../../shared/protocol/src/common/index.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import type { OpenedProgram, ProgramFiles } from './programFiles.ts';
import { ROOT, type TargetAccount } from './targetAccount.ts';
import type { ConnectionContext } from '../ipc/agentConnection.ts';
import type { Notifier } from '../ipc/notifier.ts';
import type { Logger } from '../log/logger.ts';
import type { AgentDatabase } from '../store/database.ts';
import type { Clock } from '../time/clock.ts';
import { withChildUmask } from '../runtime/childUmask.ts';
import { spawnProgram, type ProgramProcess } from './programSpawn.ts';

/** How long an allowed request may wait to be run (Keeper's execution grant default: 240 min). */
export const EXECUTION_GRANT_MINUTES = 240;

const SAFE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const USER_PATH = '/usr/local/bin:/usr/bin:/bin';
/** util-linux's setpriv sets the target's supplementary groups, which libuv's setuid path drops. */
const SETPRIV = '/usr/bin/setpriv';

interface RunRow {
  uid: number | null;
  state: string;
  executable: string;
  args_json: string;
  sha256: string | null;
  cwd: string;
  updated_at: string;
  run_at: string | null;
  run_as_json: string | null;
}

interface Run {
  readonly owner: ConnectionContext;
  readonly child: ProgramProcess;
  /** Audits the run's end and tells its owner, once (the first call counts). */
  readonly finish: (code: number | null, signal: string | null, agentStopping?: true) => void;
}

/**
 * Runs allowed requests: once each, within the grant window, only for the connection of the user
 * who asked, with the granted identity and a clean environment. What runs is the descriptor the
 * agent opened and hashed for the decision (never the path again), re-hashed first so a file
 * rewritten in place is refused; a failed check ends the request, so a race cannot be retried.
 * Output and the exit status go back to that one connection; if it goes away, the program gets
 * SIGHUP like a terminal's would.
 */
export interface RunServiceOptions {
  readonly db: AgentDatabase;
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly programs: ProgramFiles;
  readonly notifier: Notifier;
  readonly log: Logger;
}

export class RunService {
  private readonly runs = new Map<string, Run>();
  private readonly db: AgentDatabase;
  private readonly clock: Clock;
  private readonly audit: AuditLog;
  private readonly programs: ProgramFiles;
  private readonly notifier: Notifier;
  private readonly log: Logger;

  constructor({ db, clock, audit, programs, notifier, log }: RunServiceOptions) {
    this.db = db;
    this.clock = clock;
    this.audit = audit;
    this.programs = programs;
    this.notifier = notifier;
    this.log = log;
  }

  async run(context: ConnectionContext, requestId: string, term: string | undefined): Promise<{ runId: string; pid: number }> {
    const row = this.db
      .prepare('SELECT uid, state, executable, args_json, sha256, cwd, updated_at, run_at, run_as_json FROM elevation_requests WHERE id = ?')
      .get(requestId) as RunRow | undefined;
    if (!row) throw new AgentError(AgentErrorCodes.NotFound, `no elevation request ${requestId}`);
    if (context.peer.uid === null || row.uid !== context.peer.uid)
      throw new AgentError(AgentErrorCodes.Unauthorized, 'only the user who asked may run this request');
    if (row.state !== 'allowed') throw new AgentError(AgentErrorCodes.Conflict, `this request is ${row.state}, not allowed`);
    if (row.run_at !== null) throw new AgentError(AgentErrorCodes.Conflict, 'this request was already run; ask again');
    const now = this.clock.now();
    if (now.getTime() - new Date(row.updated_at).getTime() > EXECUTION_GRANT_MINUTES * 60_000) {
      this.programs.release(requestId);
      throw new AgentError(AgentErrorCodes.Expired, `the grant to run this request ended after ${EXECUTION_GRANT_MINUTES} minutes; ask again`);
    }
    // Claimed before any check: a run is used up by trying it, so a failed check cannot be retried.
    const claimed = this.db
      .prepare("UPDATE elevation_requests SET run_at = ? WHERE id = ? AND run_at IS NULL AND state = 'allowed'")
      .run(now.toISOString(), requestId).changes;
    if (claimed !== 1) throw new AgentError(AgentErrorCodes.Conflict, 'this request was already run; ask again');
    const program = this.programs.take(requestId);
    if (!program) {
      throw this.end(context.peer.uid, requestId, `the agent no longer holds the file it decided for ${row.executable}; ask again`, {
        code: 'program-not-held',
        values: { path: row.executable },
      });
    }
    if ((await this.programs.rehash(program)) !== row.sha256) {
      this.programs.close(program);
      throw this.end(context.peer.uid, requestId, `${row.executable} changed since the decision; ask again`, {
        code: 'program-changed',
        values: { path: row.executable },
      });
    }

    const target = row.run_as_json ? (JSON.parse(row.run_as_json) as TargetAccount) : ROOT;
    let child: ProgramProcess;
    try {
      child = spawnAs(target, program, row.executable, JSON.parse(row.args_json) as string[], {
        cwd: isDirectory(row.cwd) ? row.cwd : '/',
        env: {
          PATH: target.uid === 0 ? SAFE_PATH : USER_PATH,
          HOME: target.home,
          USER: target.name,
          LOGNAME: target.name,
          SHELL: target.shell,
          LANG: 'C.UTF-8',
          ...(term ? { TERM: term } : {}),
        },
      });
    } finally {
      // The child holds its own copy at fd 3 (or it never started): the agent's is no longer needed.
      this.programs.close(program);
    }
    const runId = randomUUID();
    this.log.debug({ requestId, runId, pid: child.pid ?? null, asUid: target.uid }, 'elevated program started');
    const forward = (stream: 'stdout' | 'stderr') => (chunk: Buffer) =>
      this.notifier.send({ to: 'connections', contexts: [context] }, ElevationOutput, { runId, stream, data: chunk.toString('base64') });
    child.stdout?.on('data', forward('stdout'));
    child.stderr?.on('data', forward('stderr'));
    // A program that closes its stdin early makes the next write fail; nothing is lost that it wanted.
    child.stdin?.on('error', (error) => this.log.debug({ runId, err: error.message }, 'elevated program stdin closed'));
    const finished = (code: number | null, signal: string | null, agentStopping?: true) => {
      if (!this.runs.delete(runId)) return;
      const data = { runId, pid: child.pid ?? null, code, signal, asUid: target.uid, ...(agentStopping ? { agentStopping } : {}) };
      this.audit.append({ type: 'elevation.ran', actorUid: context.peer.uid, requestId, data }, this.clock.now());
      this.log.debug({ requestId, runId, pid: child.pid ?? null, exitCode: code, signal }, 'elevated program exited');
      // The owner may have gone; the notifier logs that instead of taking the agent down.
      this.notifier.send({ to: 'connections', contexts: [context] }, ElevationExited, { runId, code, signal });
    };
    this.runs.set(runId, { owner: context, child, finish: finished });
    child.on('close', (code, signal) => finished(code, signal));
    child.on('error', (error) => {
      forward('stderr')(Buffer.from(`keeper-agent: cannot start ${row.executable}: ${error.message}\n`));
      finished(127, null);
    });
    this.audit.append(
      { type: 'elevation.run.started', actorUid: context.peer.uid, requestId, data: { runId, pid: child.pid ?? null, asUid: target.uid } },
      now,
    );
    return { runId, pid: child.pid ?? 0 };
  }

  input(
    context: ConnectionContext,
    params: { runId: string; data?: string | undefined; eof?: boolean | undefined; signal?: 'SIGINT' | 'SIGTERM' | 'SIGHUP' | undefined },
  ): { ok: true } {
    const run = this.runs.get(params.runId);
    if (!run || run.owner !== context) throw new AgentError(AgentErrorCodes.NotFound, 'no such running program on this connection');
    if (params.data) run.child.stdin?.write(Buffer.from(params.data, 'base64'));
    if (params.eof) run.child.stdin?.end();
    if (params.signal) run.child.kill(params.signal);
    return { ok: true };
  }

  /** A failed run check ends the request for good (audited, with its code): the race cannot be retried. */
  private end(uid: number, requestId: string, reason: string, reasonDetail: ReasonDetail): AgentError {
    const at = this.clock.now();
    this.db.transaction(() => {
      this.db
        .prepare("UPDATE elevation_requests SET state = 'denied', reason = ?, reason_detail_json = ?, updated_at = ? WHERE id = ? AND state = 'allowed'")
        .run(reason, JSON.stringify(reasonDetail), at.toISOString(), requestId);
      this.audit.append({ type: 'elevation.run.refused', actorUid: uid, requestId, data: { reason, reasonCode: reasonDetail.code } }, at);
    })();
    return new AgentError(AgentErrorCodes.Conflict, reason, { reasonDetail });
  }

  /** The owner's connection closed: its programs get a hang-up, as with a closed terminal. */
  connectionClosed(context: ConnectionContext): void {
    for (const run of this.runs.values()) if (run.owner === context) run.child.kill('SIGHUP');
  }

  /**
   * The agent is stopping: each program gets SIGTERM, and its end is audited (`agentStopping`) and told to its owner
   * now, while the store and the connections are still open; its own 'close' would come after the store closed, and
   * only once every process holding its output let go (a shell's background child can hold it for as long as it runs).
   * Its streams are let go, so they do not keep the stopping agent alive.
   */
  stopAll(): void {
    for (const run of [...this.runs.values()]) {
      run.child.kill('SIGTERM');
      run.finish(null, 'SIGTERM', true);
      for (const stream of [run.child.stdin, run.child.stdout, run.child.stderr]) stream?.destroy();
    }
  }
}

/** The decided descriptor as the child sees it: passed at fd 3, so exec never looks the path up again. */
const PROGRAM_FD_PATH = '/proc/self/fd/3';

/**
 * The one seam where the OS elevation primitive is used. The child gets the decided descriptor at
 * fd 3 and execs it as /proc/self/fd/3 (argv[0] the canonical path); for a #! script the kernel
 * hands that same path to the interpreter, which reads the descriptor, so scripts run by descriptor
 * too. Root is the agent's own identity; another user goes through setpriv so the program also gets
 * that user's supplementary groups (where setpriv is missing, libuv's setuid path runs it with the
 * user's uid and primary group only). spawnProgram starts it without forking the agent where it can.
 */
function spawnAs(
  target: TargetAccount,
  program: OpenedProgram,
  executable: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): ProgramProcess {
  if (target.uid !== 0 && existsSync(SETPRIV)) {
    return withChildUmask(() =>
      spawnProgram(SETPRIV, ['--reuid', String(target.uid), '--regid', String(target.gid), '--init-groups', '--', PROGRAM_FD_PATH, ...args], {
        ...options,
        programFd: program.fd,
      }),
    );
  }
  return withChildUmask(() => spawnProgram(PROGRAM_FD_PATH, args, { ...options, argv0: executable, uid: target.uid, gid: target.gid, programFd: program.fd }));
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
