import { isDeepStrictEqual } from 'node:util';
import { BehaviorSubject, type Observable } from 'rxjs';
import {
  PromptClosedNotification,
  PromptRespond,
  PromptShowNotification,
  type PromptKind,
  type PromptResponse,
  type PromptShow,
} from '../../../../../shared/protocol/src/common/index.ts';
import type { PromptQueueView } from '../../../../../shared/bridge/src/common/services/prompts.ts';
import type { AgentLink } from '../agent/agentLink.ts';

/**
 * The desktop's view of the prompts the agent shows this user, per kind, in arrival order. A prompt
 * is known once by id (the agent re-sends open prompts after a reconnect, and that must not open a
 * second window; a re-send with new content replaces it in place); it leaves when the agent closes it. `onFirst`/`onEmpty` let the host open and close
 * the window of a kind.
 */
export class PromptCenter {
  private readonly queues = new Map<PromptKind, BehaviorSubject<PromptQueueView>>();
  private readonly prompts = new Map<string, PromptShow>();
  private readonly link: AgentLink;
  private readonly onFirst: (kind: PromptKind) => void;
  private readonly onEmpty: (kind: PromptKind) => void;

  constructor(link: AgentLink, onFirst: (kind: PromptKind) => void, onEmpty: (kind: PromptKind) => void) {
    this.link = link;
    this.onFirst = onFirst;
    this.onEmpty = onEmpty;
    link.addFeature({
      attach: (client) => [
        client.onNotification(PromptShowNotification, (prompt) => this.add(prompt)),
        client.onNotification(PromptClosedNotification, ({ promptId }) => this.remove(promptId)),
      ],
      // A lost agent closes nothing: on reconnect it re-sends the prompts still open, and the rest
      // are dropped when it answers them as closed or expired.
      detached: () => {},
    });
  }

  queue$(kind: PromptKind): Observable<PromptQueueView> {
    return this.queue(kind).asObservable();
  }

  /** Answers a prompt of `kind` only: a window cannot answer another kind's prompt. */
  respond(kind: PromptKind, promptId: string, response: PromptResponse) {
    if (this.prompts.get(promptId)?.kind !== kind) return Promise.reject(new Error(`no open ${kind} prompt ${promptId}`));
    return this.link.request(PromptRespond, { promptId, response });
  }

  /**
   * The user closed the kind's window: its current prompt is cancelled (polkit: closing is cancel)
   * and leaves at once; when more of the kind wait, the window opens again for the next.
   */
  cancelCurrent(kind: PromptKind): void {
    const current = this.queue(kind).value.current;
    if (!current) return;
    this.link.request(PromptRespond, { promptId: current.promptId, response: { kind: 'cancel' } }).catch(() => {
      // Already closed by the agent (answered elsewhere, expired) or the agent is away: it re-sends what is still open.
    });
    this.remove(current.promptId);
    if (this.queue(kind).value.current) this.onFirst(kind);
  }

  private queue(kind: PromptKind): BehaviorSubject<PromptQueueView> {
    let queue = this.queues.get(kind);
    if (!queue) {
      queue = new BehaviorSubject<PromptQueueView>({ current: null, waiting: 0 });
      this.queues.set(kind, queue);
    }
    return queue;
  }

  private add(prompt: PromptShow): void {
    const known = this.prompts.get(prompt.promptId);
    if (known) {
      // The agent re-sends a prompt it keeps current (an approval that escalated): the new content
      // replaces the old in place, keeping its place in the queue; a plain re-send changes nothing.
      if (known.kind !== prompt.kind || isDeepStrictEqual(known, prompt)) return;
      this.prompts.set(prompt.promptId, prompt);
      this.refresh(prompt.kind);
      return;
    }
    this.prompts.set(prompt.promptId, prompt);
    const wasEmpty = this.refresh(prompt.kind) === 1;
    if (wasEmpty) this.onFirst(prompt.kind);
  }

  private remove(promptId: string): void {
    const prompt = this.prompts.get(promptId);
    if (!prompt) return;
    this.prompts.delete(promptId);
    if (this.refresh(prompt.kind) === 0) this.onEmpty(prompt.kind);
  }

  /**
   * Publishes the kind's queue; returns how many prompts of that kind are open. A notice of a decided
   * approval only reports an outcome, so a prompt still in progress goes before it.
   */
  private refresh(kind: PromptKind): number {
    const open = [...this.prompts.values()].filter((p) => p.kind === kind);
    const inProgress = open.filter((p) => !p.approval?.decision);
    const current = inProgress[0] ?? open[0] ?? null;
    this.queue(kind).next({ current, waiting: Math.max(0, open.length - 1) });
    return open.length;
  }
}
