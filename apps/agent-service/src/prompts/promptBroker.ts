import { randomUUID } from 'node:crypto';
import {
  AgentError,
  AgentErrorCodes,
  JsonRpcErrorCodes,
  PromptClosedNotification,
  PromptShowNotification,
  type PromptClosed,
  type PromptRespondResult,
  type PromptResponse,
  type PromptShow,
} from '../../../../shared/protocol/src/common/index.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import type { ConnectionContext } from '../ipc/agentConnection.ts';
import type { ConnectionRegistry } from '../ipc/connectionRegistry.ts';
import type { Notifier } from '../ipc/notifier.ts';
import type { Logger } from '../log/logger.ts';
import { requireVerifiedDesktop } from './desktopGate.ts';
import type { Clock, Scheduler } from '../time/clock.ts';

export type PromptAnswer =
  | { readonly kind: 'answered'; readonly response: Exclude<PromptResponse, { kind: 'cancel' }> }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'expired' }
  /** The connection that made the request went away; the request is being dropped. */
  | { readonly kind: 'abandoned' }
  /** No verified desktop session of the user is connected: the prompt cannot be presented. */
  | { readonly kind: 'undeliverable' };

export type PromptSpec = Omit<PromptShow, 'promptId' | 'createdAt' | 'expiresAt'>;

/** A prompt the agent keeps current; see `PromptBroker.present`. */
export interface PromptHandle {
  /** Null when it could not be presented (`answer` is then `undeliverable`). */
  readonly promptId: string | null;
  readonly answer: Promise<PromptAnswer>;
  update(spec: PromptSpec, timeoutMs: number): void;
  close(reason: PromptClosed['reason']): void;
}

/** Null accepts the answer; a refusal keeps the prompt open and tells the user why. */
export type PromptValidator = (
  response: PromptResponse,
) => Omit<PromptRespondResult, 'accepted'> | null | Promise<Omit<PromptRespondResult, 'accepted'> | null>;

interface OpenPrompt {
  readonly show: PromptShow;
  readonly uid: number;
  readonly validate: PromptValidator;
  readonly finish: (answer: PromptAnswer, reason: PromptClosed['reason']) => void;
}

/**
 * Presents prompts to the verified desktop sessions of the user they belong to and collects exactly
 * one outcome per prompt: answered, cancelled, expired or undeliverable. Answers from any other user,
 * or from a connection that is not a verified desktop, are refused and audited. A desktop that
 * connects later (or reconnects) gets the open prompts again.
 */
export interface PromptBrokerOptions {
  readonly registry: ConnectionRegistry;
  readonly notifier: Notifier;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly audit: AuditLog;
  readonly log: Logger;
}

export class PromptBroker {
  private readonly open = new Map<string, OpenPrompt>();
  private readonly registry: ConnectionRegistry;
  private readonly notifier: Notifier;
  private readonly clock: Clock;
  private readonly scheduler: Scheduler;
  private readonly audit: AuditLog;
  private readonly log: Logger;

  constructor({ registry, notifier, clock, scheduler, audit, log }: PromptBrokerOptions) {
    this.registry = registry;
    this.notifier = notifier;
    this.clock = clock;
    this.scheduler = scheduler;
    this.audit = audit;
    this.log = log;
    registry.onDesktopSessionStarted((context, uid) => {
      for (const prompt of this.open.values()) {
        if (prompt.uid === uid) this.notifier.send({ to: 'connections', contexts: [context] }, PromptShowNotification, prompt.show);
      }
    });
  }

  /** Shows a prompt and resolves with its one outcome; `validate` may keep it open with a problem. */
  ask(uid: number, spec: PromptSpec, timeoutMs: number, validate: PromptValidator = () => null): Promise<PromptAnswer> {
    return this.present(uid, spec, timeoutMs, validate).answer;
  }

  /**
   * `ask`, with a handle for prompts the agent itself keeps current: `update` re-sends the prompt
   * (same promptId) with new details and a new expiry, `close` ends it from the agent side (the
   * answer then resolves `expired`, unless the user answered first). Both do nothing once it ended.
   */
  present(uid: number, spec: PromptSpec, timeoutMs: number, validate: PromptValidator = () => null): PromptHandle {
    const desktops = this.registry.desktopsOf(uid);
    if (desktops.length === 0) {
      this.log.debug({ uid, kind: spec.kind, requestId: spec.subject.requestId }, 'prompt undeliverable: no verified desktop session');
      return { promptId: null, answer: Promise.resolve({ kind: 'undeliverable' }), update: () => {}, close: () => {} };
    }
    const now = this.clock.now();
    let show: PromptShow = {
      ...spec,
      promptId: randomUUID(),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + timeoutMs).toISOString(),
    };
    let done = false;
    let cancelTimer = () => {};
    let resolveAnswer: (answer: PromptAnswer) => void = () => {};
    const answer = new Promise<PromptAnswer>((resolve) => (resolveAnswer = resolve));
    const finish = (result: PromptAnswer, reason: PromptClosed['reason']) => {
      if (done) return;
      done = true;
      cancelTimer();
      this.open.delete(show.promptId);
      this.notifier.send({ to: 'userDesktops', uid }, PromptClosedNotification, { promptId: show.promptId, reason });
      this.log.debug({ uid, promptId: show.promptId, requestId: show.subject.requestId, outcome: result.kind }, 'prompt closed');
      resolveAnswer(result);
    };
    const publish = (ms: number) => {
      cancelTimer = this.scheduler.schedule(ms, () => finish({ kind: 'expired' }, 'expired'));
      this.open.set(show.promptId, { show, uid, validate, finish });
      const desktopCount = this.notifier.send({ to: 'userDesktops', uid }, PromptShowNotification, show);
      this.log.debug({ uid, promptId: show.promptId, kind: show.kind, requestId: show.subject.requestId, desktops: desktopCount }, 'prompt shown');
    };
    publish(timeoutMs);
    return {
      promptId: show.promptId,
      answer,
      update: (next, ms) => {
        if (done) return;
        cancelTimer();
        show = { ...next, promptId: show.promptId, createdAt: show.createdAt, expiresAt: new Date(this.clock.now().getTime() + ms).toISOString() };
        publish(ms);
      },
      close: (reason) => finish({ kind: 'expired' }, reason),
    };
  }

  async respond(context: ConnectionContext, promptId: string, response: PromptResponse): Promise<PromptRespondResult> {
    const prompt = this.open.get(promptId);
    requireVerifiedDesktop(context, this.audit, this.clock.now(), {
      type: 'prompt.refused',
      requestId: prompt?.show.subject.requestId ?? null,
      data: { promptId: prompt ? promptId : null },
    });
    if (!prompt) throw new AgentError(AgentErrorCodes.Expired, 'this prompt is no longer open (answered, expired or cancelled)');
    if (context.peer.uid !== prompt.uid) {
      this.audit.append(
        {
          type: 'prompt.refused',
          actorUid: context.peer.uid,
          requestId: prompt.show.subject.requestId,
          data: { promptId, reason: 'answer from another user' },
        },
        this.clock.now(),
      );
      throw new AgentError(AgentErrorCodes.Unauthorized, 'this prompt belongs to another user');
    }
    if (response.kind === 'cancel') {
      prompt.finish({ kind: 'cancelled' }, 'cancelled');
      return { accepted: true };
    }
    // An offline approval's response answers the pending notice that shows its challenge.
    const offlineAnswer = response.kind === 'offlineApproval' && prompt.show.offlineApproval !== undefined;
    if (response.kind !== prompt.show.kind && !offlineAnswer) {
      throw new AgentError(JsonRpcErrorCodes.InvalidParams, `this is a ${prompt.show.kind} prompt; a ${response.kind} answer does not fit`);
    }
    const refusal = await prompt.validate(response);
    if (refusal !== null) return { accepted: false, ...refusal };
    // The prompt may have expired while an async check ran; it resolves only once either way.
    if (!this.open.has(promptId)) throw new AgentError(AgentErrorCodes.Expired, 'this prompt expired while its answer was checked');
    prompt.finish({ kind: 'answered', response }, 'answered');
    return { accepted: true };
  }

  /** Milliseconds from now (the broker's clock) until `iso`; 0 when it is past. */
  msUntil(iso: string): number {
    return Math.max(0, Date.parse(iso) - this.clock.now().getTime());
  }

  /** Ends the open prompts of one request whose requester went away. */
  abandon(requestId: string): void {
    for (const prompt of [...this.open.values()]) {
      if (prompt.show.subject.requestId === requestId) prompt.finish({ kind: 'abandoned' }, 'cancelled');
    }
  }

  /** Ends every open prompt (agent shutdown): each waiting flow sees it as expired. */
  closeAll(): void {
    for (const prompt of [...this.open.values()]) prompt.finish({ kind: 'expired' }, 'agentStopping');
  }

  openFor(uid: number): PromptShow[] {
    return [...this.open.values()].filter((p) => p.uid === uid).map((p) => p.show);
  }
}
