import { hostname } from 'node:os';
import { basename, dirname } from 'node:path';
import {
  AgentError,
  AgentErrorCodes,
  type EditCommitResult,
  type EditCopyResult,
  type EditOpenParams,
  type EditOpenResult,
  type PeerIdentity,
} from '../../../../shared/protocol/src/common/index.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import type { ElevationService } from '../elevation/elevationService.ts';
import type { ProgramFiles } from '../elevation/programFiles.ts';
import { lookupAccountAsync } from '../identity/accounts.ts';
import { agenticFactsOf } from '../identity/agenticFacts.ts';
import { decideLayered } from '../policy/policyLayers.ts';
import type { PolicyService } from '../policy/policyService.ts';
import type { EvaluationRequest } from '../policy/request.ts';
import type { Clock } from '../time/clock.ts';
import { folderAsCaller } from './folderAsCaller.ts';
import { canonicalTarget, fileNameOf, openTarget, readAll, sha256Of, unchangedSince, writeBack, type TargetFile } from './targetFile.ts';
import { makeUserCopy, removeUserCopy, type UserCopy } from './userCopy.ts';

/** How long an edit may stay open (prompts, then the editor) before the agent forgets it and removes the copy. */
export const EDIT_SESSION_MS = 4 * 60 * 60_000;
/** Edits one user may have open at once; the oldest is dropped beyond it. */
export const MAX_EDITS_PER_USER = 16;

export interface EditDependencies {
  readonly elevation: Pick<ElevationService, 'decideFileEdit' | 'status'>;
  readonly policies: PolicyService;
  readonly programs: Pick<ProgramFiles, 'open' | 'close'>;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly defaultOutcome: 'allow' | 'deny';
}

interface Edit {
  readonly uid: number;
  readonly gid: number;
  /** The file as the agent read it (at edit.open, again at edit.copy): the copy and the write-back start from it. */
  target: TargetFile;
  readonly evaluation: EvaluationRequest;
  copy: UserCopy | null;
  readonly timer: NodeJS.Timeout;
}

/**
 * keeper-edit, the sudoedit workflow: the agent reads the file as root, the caller edits a private
 * copy with its own rights, and the agent writes the copy back only if File Access policy still
 * allows it and the file did not change meanwhile (docs/policy-semantics.md, 5.5).
 */
export class EditService {
  private readonly deps: EditDependencies;
  private readonly edits = new Map<string, Edit>();

  constructor(deps: EditDependencies) {
    this.deps = deps;
  }

  async open(params: EditOpenParams, peer: PeerIdentity, connectionId: string | null): Promise<EditOpenResult> {
    const uid = callerUid(peer);
    const gid = peer.gid ?? uid;
    const name = fileNameOf(params.path);
    // Resolved as the caller would: a folder the caller cannot reach is refused before the agent looks into it.
    const folder = await folderAsCaller(dirname(params.path), uid, gid);
    if (folder === null) throw new AgentError(AgentErrorCodes.NotFound, `${dirname(params.path)} is not a folder you can reach`);
    const path = canonicalTarget(folder, name);
    const target = openTarget(path);
    const evaluation = await this.evaluationFor(uid, target, peer.pid);
    const decided = this.deps.elevation.decideFileEdit(evaluation, { ...peer, uid }, connectionId, params.cwd);
    if (decided.state !== 'denied') this.remember(decided.requestId, { uid, gid, target, evaluation });
    return { ...decided, path };
  }

  /** The caller's private copy, once its request is allowed (after any prompts). */
  copy(requestId: string, peer: PeerIdentity): EditCopyResult {
    const edit = this.mine(requestId, peer);
    if (this.deps.elevation.status(requestId, peer).state !== 'allowed')
      throw new AgentError(AgentErrorCodes.Conflict, 'this edit is not allowed (yet); wait for its prompts to pass');
    if (edit.copy) throw new AgentError(AgentErrorCodes.Conflict, 'this edit already has its copy');
    const denial = this.denialNow(edit);
    if (denial) throw new AgentError(AgentErrorCodes.Unauthorized, `File Access policy no longer allows editing ${edit.target.path}: ${denial}`);
    // Read again now: prompts and approvals may have taken hours, and the copy is what the write-back compares with.
    const name = basename(edit.target.path);
    edit.target = openTarget(canonicalTarget(dirname(edit.target.path), name));
    edit.copy = makeUserCopy(edit.target.content, name, edit.uid, edit.gid);
    return { copyPath: edit.copy.path };
  }

  /** Reads the copy with the caller's rights and writes it back if policy still allows it and the file is unchanged. */
  async commit(requestId: string, peer: PeerIdentity): Promise<EditCommitResult> {
    const edit = this.mine(requestId, peer);
    const copy = edit.copy;
    if (!copy) throw new AgentError(AgentErrorCodes.Conflict, 'this edit has no copy to write back (edit.copy first)');
    this.forget(requestId);
    const { target } = edit;
    const result = (written: boolean, after: string | null): EditCommitResult => ({
      written,
      path: target.path,
      sha256Before: target.sha256,
      sha256After: after,
    });
    try {
      const content = await this.readCopy(copy, { ...peer, uid: edit.uid });
      const after = sha256Of(content);
      const unchanged = target.found ? after === target.sha256 : content.length === 0;
      if (unchanged) {
        this.audited(edit, requestId, 'unchanged', after);
        return result(false, after);
      }
      const denial = this.denialNow(edit);
      if (denial) {
        this.audited(edit, requestId, 'denied', after, denial);
        throw new AgentError(AgentErrorCodes.Unauthorized, `File Access policy no longer allows editing ${target.path}: ${denial}`);
      }
      if (!unchangedSince(target)) {
        this.audited(edit, requestId, 'changed', after);
        throw new AgentError(AgentErrorCodes.Conflict, `${target.path} changed since it was copied; nothing was written (edit it again)`);
      }
      writeBack(target, content);
      this.audited(edit, requestId, 'written', after);
      return result(true, after);
    } finally {
      removeUserCopy(copy);
    }
  }

  cancel(requestId: string, peer: PeerIdentity): Record<string, never> {
    const edit = this.mine(requestId, peer);
    this.forget(requestId);
    if (edit.copy) removeUserCopy(edit.copy);
    this.audited(edit, requestId, 'cancelled', null);
    return {};
  }

  /** Stops every open edit and removes its copy (agent shutdown). */
  closeAll(): void {
    for (const [id, edit] of [...this.edits]) {
      this.forget(id);
      if (edit.copy) removeUserCopy(edit.copy);
    }
  }

  /**
   * The policies decide again (after a reload, say): the reason when they now deny. Prompts already
   * passed are not asked again; a policy that now asks for more is not enforced on this edit.
   */
  private denialNow(edit: Edit): string | null {
    const { decision } = decideLayered(
      this.deps.policies.policies,
      { ...edit.evaluation, at: this.deps.clock.now() },
      { defaultOutcome: this.deps.defaultOutcome },
    );
    return decision.outcome === 'deny' ? decision.reason : null;
  }

  private async evaluationFor(uid: number, target: TargetFile, pid: number | null): Promise<EvaluationRequest> {
    const account = await lookupAccountAsync(uid);
    return {
      policyType: 'FileAccess',
      user: { uid, name: account.name, groups: account.groups, home: account.home },
      machine: { name: hostname() },
      // The canonical path is the policy's subject: ApplicationCheck Path members match it.
      application: { path: target.path, sha256: target.sha256, signer: null, commandLine: `keeper-edit ${target.path}`, arguments: [target.path] },
      // Found by the agent in the caller's process ancestry, as for an elevation.
      agentic: agenticFactsOf(pid, undefined),
      at: this.deps.clock.now(),
    };
  }

  /**
   * The copy as its owner can read it: opened with the caller's rights (the addon, on Linux), never
   * through a symlink, and only at the very path the agent made, so a copy swapped for a link to a
   * root-only file is refused rather than read as root. Files the caller can write come back as a
   * sealed snapshot, so what is hashed is what is written.
   */
  private async readCopy(copy: UserCopy, peer: PeerIdentity & { uid: number }): Promise<Buffer> {
    const opened = await this.deps.programs.open(copy.path, peer, 'edit.commit');
    try {
      if (opened.path !== copy.path)
        throw new AgentError(AgentErrorCodes.Unauthorized, `your copy ${copy.path} was replaced by a link to ${opened.path}; nothing was written`);
      return readAll(opened.fd);
    } finally {
      this.deps.programs.close(opened);
    }
  }

  private audited(edit: Edit, requestId: string, outcome: string, after: string | null, reason?: string): void {
    this.deps.audit.append(
      {
        type: 'edit.committed',
        actorUid: edit.uid,
        requestId,
        data: { path: edit.target.path, outcome, sha256Before: edit.target.sha256, sha256After: after, ...(reason ? { reason } : {}) },
      },
      this.deps.clock.now(),
    );
  }

  private remember(requestId: string, edit: Omit<Edit, 'copy' | 'timer'>): void {
    const mine = [...this.edits].filter(([, e]) => e.uid === edit.uid);
    for (const [id, old] of mine.slice(0, Math.max(0, mine.length - MAX_EDITS_PER_USER + 1))) {
      this.forget(id);
      if (old.copy) removeUserCopy(old.copy);
    }
    const timer = setTimeout(() => {
      const expired = this.edits.get(requestId);
      this.forget(requestId);
      if (expired?.copy) removeUserCopy(expired.copy);
    }, EDIT_SESSION_MS);
    timer.unref();
    this.edits.set(requestId, { ...edit, copy: null, timer });
  }

  private forget(requestId: string): void {
    const edit = this.edits.get(requestId);
    if (edit) clearTimeout(edit.timer);
    this.edits.delete(requestId);
  }

  /** The caller's own open edit; another user's is as unknown as a missing one. */
  private mine(requestId: string, peer: PeerIdentity): Edit {
    const uid = callerUid(peer);
    const edit = this.edits.get(requestId);
    if (!edit || edit.uid !== uid) throw new AgentError(AgentErrorCodes.NotFound, `no open edit ${requestId}`);
    return edit;
  }
}

function callerUid(peer: PeerIdentity): number {
  if (peer.uid === null) throw new AgentError(AgentErrorCodes.Unauthorized, 'the agent cannot tell who is asking (no peer credentials), so it cannot decide');
  return peer.uid;
}
