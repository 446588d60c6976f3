import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import * as z from 'zod';
import type { ReasonDetail } from '../../../../shared/protocol/src/common/index.ts';
import { challengeCode, formatOfflineCode, OFFLINE_KEY_BYTES, verifyOfflineResponse } from '../../../../shared/protocol/src/node/offlineApprovalCode.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import { loadFleetState, writeAtomic } from '../fleet/fleetIdentity.ts';
import type { KeeperPolicy } from '../policy/policySchema.ts';
import type { PromptBroker, PromptSpec } from '../prompts/promptBroker.ts';
import { readOwnFile } from '../store/ownFile.ts';
import type { Clock } from '../time/clock.ts';

/** Wrong responses one offline challenge takes before its request ends (docs/fleet.md has the arithmetic). */
export const OFFLINE_APPROVAL_ATTEMPTS = 3;

/** Where registration leaves the machine's offline-approval key: root's, 0600, beside the fleet identity. */
export const offlineKeyPath = (dataDir: string) => join(dataDir, 'fleet', 'offline.key');

export class OfflineKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OfflineKeyError';
  }
}

/**
 * The key, or null when this machine registered without one (an older agent). Opened once without
 * following links and checked on that descriptor: it must belong to the agent and be private, as a
 * key anyone else could read would let them make their own responses.
 */
export function loadOfflineKey(dataDir: string, agentUid = process.getuid?.() ?? 0): OfflineKey | null {
  const path = offlineKeyPath(dataDir);
  const read = readOwnFile(path, { uid: agentUid, deniedMode: 0o077, readBytes: 1024 });
  if (!read.ok) {
    if (read.problem !== 'unopenable') throw new OfflineKeyError(`${path} must belong to the agent's user and be readable by it alone (0600)`);
    if (read.error.code === 'ENOENT') return null;
    throw new OfflineKeyError(`${path} cannot be opened: ${read.error.message}`);
  }
  const parsed = OfflineKeyFile.safeParse(safeJson(read.bytes.toString('utf8')));
  const key = parsed.success ? Buffer.from(parsed.data.key, 'base64url') : Buffer.alloc(0);
  if (!parsed.success || key.length !== OFFLINE_KEY_BYTES) throw new OfflineKeyError(`${path} does not hold a ${OFFLINE_KEY_BYTES}-byte key`);
  return { key, machine: parsed.data.machine };
}

/** The key file: the key (base64url, as registration sent it) and the name this machine registered under. */
const OfflineKeyFile = z.object({ key: z.string(), machine: z.string().min(1) });
export interface OfflineKey {
  readonly key: Buffer;
  /** The name approvers give `keeper-fleet approve-offline --machine`. */
  readonly machine: string;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** A new key, as the text the registration request carries. */
export function newOfflineKey(): string {
  return randomBytes(OFFLINE_KEY_BYTES).toString('base64url');
}

/** Writes the key file (0600, whole or not at all) after a registration that shared `key`. */
export function saveOfflineKey(dataDir: string, key: string, machine: string): void {
  writeAtomic(offlineKeyPath(dataDir), JSON.stringify({ key, machine }), 0o600);
}

/**
 * Offline approval applies when every deciding policy that asks for APPROVAL allows it and needs
 * one approver: a response names one person, so it can never stand in for a quorum.
 */
export function allowsOfflineApproval(deciding: readonly KeeperPolicy[]): boolean {
  const approving = deciding.filter((p) => p.Actions.OnSuccess.Controls.includes('APPROVAL'));
  return approving.length > 0 && approving.every((p) => p.Extension?.OfflineApproval === true && (p.Extension.ApprovalQuorum ?? 1) <= 1);
}

/** The request an offline challenge names (PendingElevation's facts). */
export interface OfflineRequest {
  readonly requestId: string;
  readonly uid: number;
  readonly userName: string | null;
  readonly machine: string;
  readonly cwd: string;
  readonly subject: PromptSpec['subject'];
}

export type OfflineOutcome =
  { readonly state: 'approved'; readonly approver: string } | { readonly state: 'denied'; readonly reason: string; readonly reasonDetail: ReasonDetail };

const REFUSED = {
  code: 'offline-approval-refused',
  reason: 'Too many wrong offline approval responses, so the request ended. Ask again for a new challenge.',
} as const;
const EXPIRED = { code: 'offline-approval-expired', reason: 'The offline approval challenge expired before a valid response was entered.' } as const;

/**
 * Signed offline approvals: the agent shows a challenge naming the request; an approver of this
 * machine's group gets the response from the fleet server (which holds the same key); the agent
 * checks it here without the network. It is valid once (the challenge carries a fresh nonce and
 * ends with its prompt), for this request only, until the challenge expires, and wrong responses
 * end the request after OFFLINE_APPROVAL_ATTEMPTS tries.
 */
export class OfflineApprovals {
  private readonly key: Buffer;
  private readonly machineName: string;
  private readonly machineId: string;
  private readonly clock: Clock;
  private readonly audit: AuditLog;
  private readonly expiryMs: number;
  private readonly allowSelfApproval: boolean;
  /** The open challenges by request id, for the request's status (keeper-elevate prints it). */
  private readonly open = new Map<string, { challenge: string; machine: string; expiresAt: string }>();

  constructor(deps: { key: OfflineKey; machineId: string; clock: Clock; audit: AuditLog; expiryMinutes: number; allowSelfApproval: boolean }) {
    this.key = deps.key.key;
    this.machineName = deps.key.machine;
    this.machineId = deps.machineId;
    this.clock = deps.clock;
    this.audit = deps.audit;
    this.expiryMs = deps.expiryMinutes * 60_000;
    this.allowSelfApproval = deps.allowSelfApproval;
  }

  /** The challenge a request waits on now, if any. */
  challengeOf(requestId: string): { challenge: string; machine: string; expiresAt: string } | undefined {
    return this.open.get(requestId);
  }

  /**
   * Shows the challenge to the requester and waits for a valid response, too many wrong ones,
   * expiry or a cancel; `shown` runs once the challenge exists (the request's status then carries it).
   */
  async ask(
    request: OfflineRequest,
    justification: string,
    broker: PromptBroker,
    abandoned: Promise<void>,
    shown: () => void = () => {},
  ): Promise<OfflineOutcome | 'abandoned'> {
    try {
      return await this.challenge(request, justification, broker, abandoned, shown);
    } finally {
      this.open.delete(request.requestId);
    }
  }

  private async challenge(
    request: OfflineRequest,
    justification: string,
    broker: PromptBroker,
    abandoned: Promise<void>,
    shown: () => void,
  ): Promise<OfflineOutcome | 'abandoned'> {
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + this.expiryMs).toISOString();
    const facts = {
      machineId: this.machineId,
      machine: request.machine,
      uid: request.uid,
      user: request.userName,
      path: request.subject.executable,
      sha256: request.subject.sha256,
      commandLine: request.subject.commandLine,
      cwd: request.cwd,
      expiresAt,
      nonce: randomBytes(16).toString('hex'),
    };
    const challenge = challengeCode(facts);
    this.audit.append(
      {
        type: 'approval.offline.challenged',
        actorUid: request.uid,
        requestId: request.requestId,
        data: { challenge, expiresAt, justification, path: facts.path, sha256: facts.sha256, commandLine: facts.commandLine, cwd: facts.cwd },
      },
      now,
    );
    this.open.set(request.requestId, { challenge: formatOfflineCode(challenge), machine: this.machineName, expiresAt });
    shown();
    let attemptsLeft = OFFLINE_APPROVAL_ATTEMPTS;
    const spec = (): PromptSpec => ({
      subject: request.subject,
      kind: 'approval',
      control: 'APPROVAL',
      offlineApproval: { challenge: formatOfflineCode(challenge), machine: this.machineName, expiresAt, attemptsLeft, justification },
    });
    let ended: OfflineOutcome | null = null;
    const lifetime = () => Math.max(0, Date.parse(expiresAt) - this.clock.now().getTime());
    const prompt = broker.present(request.uid, spec(), lifetime(), (response) => {
      if (response.kind !== 'offlineApproval') return { reason: 'invalid', problem: 'This prompt takes an offline approval response.' };
      const at = this.clock.now();
      if (at.toISOString() >= expiresAt) {
        ended = { state: 'denied', reason: EXPIRED.reason, reasonDetail: { code: EXPIRED.code, values: {} } };
        this.audit.append({ type: 'approval.offline.expired', actorUid: request.uid, requestId: request.requestId, data: { challenge } }, at);
        prompt.close('answered');
        return { reason: 'expired', problem: EXPIRED.reason, reasonDetail: { code: EXPIRED.code, values: {} } };
      }
      const approver = response.approver.trim();
      const self = !this.allowSelfApproval && approver === request.userName;
      if (!self && verifyOfflineResponse(this.key, this.machineId, challenge, approver, response.code)) {
        ended = { state: 'approved', approver };
        this.audit.append(
          { type: 'approval.offline.approved', actorUid: request.uid, requestId: request.requestId, data: { challenge, approver, by: approver } },
          at,
        );
        return null;
      }
      attemptsLeft -= 1;
      this.audit.append(
        {
          type: 'approval.offline.refused',
          actorUid: request.uid,
          requestId: request.requestId,
          data: { challenge, approver, reason: self ? 'self-approval' : 'wrong-response', attemptsLeft },
        },
        at,
      );
      if (attemptsLeft <= 0) {
        ended = { state: 'denied', reason: REFUSED.reason, reasonDetail: { code: REFUSED.code, values: {} } };
        prompt.close('answered');
        return { reason: 'invalid', problem: REFUSED.reason, retriesLeft: 0, reasonDetail: { code: REFUSED.code, values: {} } };
      }
      prompt.update(spec(), lifetime());
      return {
        reason: 'invalid',
        problem: self ? 'Nobody approves their own request.' : 'That response does not match this challenge and approver.',
        retriesLeft: attemptsLeft,
      };
    });
    const outcome = await Promise.race([prompt.answer, abandoned.then(() => 'abandoned' as const)]);
    if (outcome === 'abandoned') {
      prompt.close('cancelled');
      return 'abandoned';
    }
    const settled = ended as OfflineOutcome | null;
    if (settled) return settled;
    if (outcome.kind === 'cancelled')
      return { state: 'denied', reason: 'The offline approval was cancelled by the requester.', reasonDetail: { code: 'approval-withdrawn', values: {} } };
    if (outcome.kind === 'undeliverable') {
      return {
        state: 'denied',
        reason: `No verified desktop session of ${request.userName ?? 'the requesting user'} is connected to show the offline approval challenge.`,
        reasonDetail: { code: 'offline-needs-network', values: { controls: ['APPROVAL'] } },
      };
    }
    if (outcome.kind === 'abandoned') return 'abandoned';
    this.audit.append({ type: 'approval.offline.expired', actorUid: request.uid, requestId: request.requestId, data: { challenge } }, this.clock.now());
    return { state: 'denied', reason: EXPIRED.reason, reasonDetail: { code: EXPIRED.code, values: {} } };
  }
}

/**
 * Offline approval for a registered machine, or null: unregistered, registered without a key, or a
 * key others could read (then refused, and `problem` says why: whoever read it can make responses).
 */
export function openOfflineApprovals(
  dataDir: string,
  deps: { clock: Clock; audit: AuditLog; expiryMinutes: number; allowSelfApproval: boolean },
  problem: (message: string) => void,
): OfflineApprovals | null {
  const registered = loadFleetState(dataDir);
  if (!registered) return null;
  try {
    const key = loadOfflineKey(dataDir);
    return key ? new OfflineApprovals({ ...deps, key, machineId: registered.machineId }) : null;
  } catch (error) {
    if (!(error instanceof OfflineKeyError)) throw error;
    problem(`offline approval is off: ${error.message}`);
    return null;
  }
}
