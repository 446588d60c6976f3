import { closeSync } from 'node:fs';
import type { hashDescriptor, openProgramAsCaller, ProgramOpenResult } from '@keeper/peercred';
import { AgentError, AgentErrorCodes, type PeerIdentity, type ReasonDetail } from '../../../../shared/protocol/src/common/index.ts';
import { peercredAddon } from '../../../../shared/protocol/src/node/peercredAddon.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import type { Logger } from '../log/logger.ts';
import type { Clock } from '../time/clock.ts';
import { hashDescriptorPortable, openProgramPortable } from './portableOpen.ts';

/** A program file opened once with its requester's rights: what was decided is what runs. */
export interface OpenedProgram {
  /** Read-only descriptor of the file (or of its sealed copy); the child execs it as /proc/self/fd/3. */
  readonly fd: number;
  /** Where the descriptor points, symlinks and `.`/`..` resolved: what policies, prompts and audit see. */
  readonly path: string;
  readonly sha256: string;
  /** The requester could write the file, so a sealed in-memory copy stands in for it. */
  readonly sealed: boolean;
}

export interface ProgramOpener {
  open: typeof openProgramAsCaller;
  hash: typeof hashDescriptor;
}

type Failure = Extract<ProgramOpenResult, { ok: false }>;

/** Largest file the agent copies to seal it (files the requester can write); bounds the memory a request holds. */
export const MAX_SEALED_COPY_BYTES = 64 * 1024 * 1024;
/**
 * Checks of one user that outlived their timeout and still block a thread (a stalled FUSE mount):
 * beyond this many the user's next check is refused, so one user can pin only this many threads.
 */
export const MAX_STUCK_CHECKS_PER_USER = 4;
/** A check that has not answered by then is given up (its thread may stay blocked in the kernel). */
export const CHECK_TIMEOUT_MS = 10_000;
/** Decided programs one user's requests may hold open; the oldest is let go beyond it (it then cannot run). */
export const MAX_HELD_PER_USER = 16;

const loadOpener = (): ProgramOpener | null => {
  if (process.platform !== 'linux') return null;
  const addon = peercredAddon();
  return addon?.openProgramAsCaller && addon.hashDescriptor ? { open: addon.openProgramAsCaller, hash: addon.hashDescriptor } : null;
};

interface Held {
  readonly uid: number;
  readonly program: OpenedProgram;
  readonly timer: NodeJS.Timeout;
}

export interface ProgramFilesDependencies {
  readonly audit: AuditLog;
  readonly log: Logger;
  readonly clock: Clock;
  /** The agent's own uid: as root it takes each caller's identity; otherwise it checks files for itself only. */
  readonly agentUid: number;
  /** How long an allowed request's file stays held for `elevation.run`. */
  readonly holdMs: number;
  readonly opener?: ProgramOpener | null;
  readonly checkTimeoutMs?: number;
}

/**
 * Opens, checks and hashes program files with the caller's own rights (Linux: the addon, on a thread
 * of its own per check), and holds each decided file's descriptor until its request runs or ends.
 * Every refusal is a coded AgentError, logged and audited.
 */
export class ProgramFiles {
  private readonly deps: ProgramFilesDependencies;
  private readonly opener: ProgramOpener | null;
  private readonly stuck = new Map<number, number>();
  private readonly held = new Map<string, Held>();

  constructor(deps: ProgramFilesDependencies) {
    this.deps = deps;
    this.opener = deps.opener === undefined ? loadOpener() : deps.opener;
  }

  /** Opens `path` as `peer` would; throws a coded, audited refusal when it may not be decided on. */
  async open(path: string, peer: PeerIdentity, purpose: string): Promise<OpenedProgram> {
    const uid = peer.uid;
    if (uid === null) throw new AgentError(AgentErrorCodes.Unauthorized, 'the agent cannot tell who is asking (no peer credentials), so it cannot decide');
    if (this.deps.agentUid !== 0 && uid !== this.deps.agentUid) {
      throw this.refuse(uid, purpose, path, AgentErrorCodes.Unauthorized, 'the agent does not run as root, so it checks files only for its own user', {
        code: 'agent-not-root',
        values: {},
      });
    }
    if (!this.opener && uid !== this.deps.agentUid) {
      throw this.refuse(uid, purpose, path, AgentErrorCodes.Unauthorized, 'on this platform the agent checks files only for its own user', {
        code: 'program-check-failed',
        values: { path },
      });
    }
    // The schema also admits Windows paths; here they name no file, as far as anyone can see.
    if (!path.startsWith('/') || path.includes('\0')) {
      throw this.refuse(uid, purpose, path, AgentErrorCodes.NotFound, `${path} is not a readable file`, { code: 'program-not-found', values: { path } });
    }
    if ((this.stuck.get(uid) ?? 0) >= MAX_STUCK_CHECKS_PER_USER) {
      throw this.refuse(uid, purpose, path, AgentErrorCodes.TooManyRequests, 'the agent is still checking other files for you; try again in a moment', {
        code: 'program-check-busy',
        values: {},
      });
    }
    const check = this.opener
      ? this.opener.open({
          path,
          uid,
          gid: peer.gid ?? uid,
          switchIdentity: this.deps.agentUid === 0,
          sealIfWritable: true,
          maxCopyBytes: MAX_SEALED_COPY_BYTES,
        })
      : openProgramPortable(path);
    const result = await this.withTimeout(check);
    if (result === 'timeout') {
      // Counted until the check itself ends: its thread is blocked in the kernel until then.
      this.stuck.set(uid, (this.stuck.get(uid) ?? 0) + 1);
      const unstuck = () => {
        const left = (this.stuck.get(uid) ?? 1) - 1;
        if (left > 0) this.stuck.set(uid, left);
        else this.stuck.delete(uid);
      };
      void check.then(unstuck, unstuck);
      throw this.refuse(uid, purpose, path, AgentErrorCodes.TooManyRequests, `checking ${path} did not finish in time`, {
        code: 'program-check-busy',
        values: {},
      });
    }
    if (!result.ok) throw this.refused(uid, purpose, path, result);
    return { fd: result.fd, path: result.path, sha256: result.sha256, sealed: result.sealed };
  }

  /** Keeps a decided request's descriptor until it runs, ends or its grant window passes. */
  hold(requestId: string, uid: number, program: OpenedProgram): void {
    const mine = [...this.held].filter(([, held]) => held.uid === uid);
    for (const [id] of mine.slice(0, Math.max(0, mine.length - MAX_HELD_PER_USER + 1))) this.release(id);
    const timer = setTimeout(() => this.release(requestId), this.deps.holdMs);
    timer.unref();
    this.held.set(requestId, { uid, program, timer });
  }

  /** Hands over a held descriptor (the caller closes it); undefined when none is held. */
  take(requestId: string): OpenedProgram | undefined {
    const held = this.held.get(requestId);
    if (!held) return undefined;
    clearTimeout(held.timer);
    this.held.delete(requestId);
    return held.program;
  }

  release(requestId: string): void {
    const program = this.take(requestId);
    if (program) closeQuietly(program.fd);
  }

  /** Closes a descriptor that was never held (a refused or denied request). */
  close(program: OpenedProgram): void {
    closeQuietly(program.fd);
  }

  releaseAll(): void {
    for (const id of [...this.held.keys()]) this.release(id);
  }

  /** The SHA-256 of what the descriptor holds now (null when it cannot be read). */
  async rehash(program: OpenedProgram): Promise<string | null> {
    if (!this.opener) return hashDescriptorPortable(program.fd);
    const result = await this.withTimeout(this.opener.hash(program.fd));
    return result !== 'timeout' && result.ok ? result.sha256 : null;
  }

  /** Audits, logs and builds the coded error for a refusal; the caller throws it. */
  refuse(uid: number, purpose: string, path: string, code: number, message: string, reasonDetail: ReasonDetail, requestId: string | null = null): AgentError {
    this.deps.audit.append(
      { type: 'program.refused', actorUid: uid, requestId, data: { purpose, executable: path, reason: message, reasonCode: reasonDetail.code } },
      this.deps.clock.now(),
    );
    this.deps.log.warn({ uid, purpose, executable: path, reasonCode: reasonDetail.code }, message);
    return new AgentError(code, message, { reasonDetail });
  }

  private refused(uid: number, purpose: string, asked: string, failure: Failure): AgentError {
    const at = failure.path || asked;
    switch (failure.code) {
      case 'not-found':
        return this.refuse(uid, purpose, asked, AgentErrorCodes.NotFound, `${asked} is not a readable file`, {
          code: 'program-not-found',
          values: { path: asked },
        });
      case 'not-readable':
        return this.refuse(uid, purpose, asked, AgentErrorCodes.Unauthorized, `${asked} is not readable by you`, {
          code: 'program-not-readable',
          values: { path: asked },
        });
      case 'not-regular':
        return this.refuse(uid, purpose, asked, AgentErrorCodes.NotFound, `${at} is not a regular file`, { code: 'program-not-regular', values: { path: at } });
      case 'writable-by-others':
        return this.refuse(uid, purpose, asked, AgentErrorCodes.Unauthorized, `${asked} is not run elevated: ${at} can be changed by another user`, {
          code: 'program-writable-by-others',
          values: { path: asked, folder: at },
        });
      case 'changed':
        return this.refuse(uid, purpose, asked, AgentErrorCodes.Conflict, `${asked} changed while the agent checked it; ask again`, {
          code: 'program-changed',
          values: { path: asked },
        });
      case 'too-large': {
        const megabytes = MAX_SEALED_COPY_BYTES / (1024 * 1024);
        return this.refuse(
          uid,
          purpose,
          asked,
          AgentErrorCodes.Conflict,
          `${at} is larger than ${megabytes} MB, the most the agent copies to run a file you can change`,
          {
            code: 'program-too-large',
            values: { path: at, megabytes },
          },
        );
      }
      default:
        return this.refuse(uid, purpose, asked, AgentErrorCodes.NotFound, `the agent could not check ${asked} (${failure.code}, errno ${failure.errno})`, {
          code: 'program-check-failed',
          values: { path: asked },
        });
    }
  }

  private withTimeout<T extends { ok: boolean; fd?: number }>(check: Promise<T>): Promise<T | 'timeout'> {
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        resolve('timeout');
      }, this.deps.checkTimeoutMs ?? CHECK_TIMEOUT_MS);
    });
    // A check that answers after it was given up still hands over a descriptor: close it.
    void check.then((late) => {
      if (timedOut && late.ok && typeof late.fd === 'number' && late.fd >= 0) closeQuietly(late.fd);
    });
    return Promise.race([check, timeout]).finally(() => clearTimeout(timer));
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed: nothing is leaked.
  }
}
