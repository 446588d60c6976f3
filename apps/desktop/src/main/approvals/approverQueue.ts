import { BehaviorSubject, type Observable } from 'rxjs';
import {
  AgentError,
  AgentErrorCodes,
  ApprovalsChanged,
  ApprovalsList,
  type Approval,
  type ApprovalStatus,
} from '../../../../../shared/protocol/src/common/index.ts';
import type { ApproverQueueView } from '../../../../../shared/bridge/src/common/services/approverQueue.ts';
import type { AgentLink } from '../agent/agentLink.ts';

const OPEN: readonly ApprovalStatus[] = ['Pending', 'Escalated'];
/** Requests per `approvals.list` page: well inside the protocol's 1 MiB frame. */
const PAGE = 500;

export interface ApproverQueueOptions {
  readonly link: AgentLink;
  readonly selfUid: number | null;
  /** A request this approver may decide appeared (new, or escalated to them): the toast. */
  readonly onArrival: (approval: Approval) => void;
  /** The agent answered the first list of a connection (roles empty: not an approver). */
  readonly onRoles?: (roles: ApproverQueueView['roles']) => void;
}

/**
 * Main's live copy of the requests this desktop's user may decide: the agent's `approvals.list` on
 * every (re)connect, then each `approvals.changed` in place. Changes that arrive while a list is on
 * its way are applied after it, so nothing is lost or rolled back.
 */
export class ApproverQueue {
  private readonly options: ApproverQueueOptions;
  private readonly approvals = new Map<string, Approval>();
  private readonly view: BehaviorSubject<ApproverQueueView>;
  private pendingChanges: Approval[] | null = null;
  private loadedOnce = false;

  constructor(options: ApproverQueueOptions) {
    this.options = options;
    this.view = new BehaviorSubject<ApproverQueueView>({ state: 'loading', roles: [], self: { uid: options.selfUid }, approvals: [], problem: null });
    options.link.addFeature({
      attach: (client) => [client.onNotification(ApprovalsChanged, (approval) => this.changed(approval))],
      detached: () => this.publish({ state: 'unavailable', problem: 'the Keeper agent is not connected' }),
    });
    options.link.status$.subscribe((status) => {
      if (status.connection === 'connected' && this.view.value.state !== 'ready' && this.pendingChanges === null) void this.load();
    });
  }

  get queue$(): Observable<ApproverQueueView> {
    return this.view.asObservable();
  }

  /** A request as the agent reported it in a decision's answer or refusal. */
  apply(approval: Approval): void {
    this.approvals.set(approval.approvalId, approval);
    this.publish({});
  }

  /** Asks the agent for the whole list again (the link came back, or a window asked). */
  async load(): Promise<void> {
    this.pendingChanges = [];
    try {
      let page = await this.options.link.request(ApprovalsList, { limit: PAGE });
      const { roles } = page;
      this.approvals.clear();
      for (;;) {
        for (const approval of page.approvals) this.approvals.set(approval.approvalId, approval);
        if (page.nextOffset === null || page.nextOffset === undefined) break;
        page = await this.options.link.request(ApprovalsList, { limit: PAGE, offset: page.nextOffset });
      }
      const buffered = this.pendingChanges;
      this.pendingChanges = null;
      for (const approval of buffered) this.changed(approval);
      this.publish({ state: 'ready', roles, problem: null });
      this.loadedOnce = true;
      this.options.onRoles?.(roles);
    } catch (error) {
      this.pendingChanges = null;
      const refused = error instanceof AgentError && error.code === AgentErrorCodes.Unauthorized;
      this.publish({ state: refused ? 'not-approver' : 'unavailable', roles: [], problem: (error as Error).message });
      if (refused) this.options.onRoles?.([]);
    }
  }

  private changed(approval: Approval): void {
    if (this.pendingChanges) {
      this.pendingChanges.push(approval);
      return;
    }
    const known = this.approvals.get(approval.approvalId);
    this.approvals.set(approval.approvalId, approval);
    this.publish({});
    const arrived = OPEN.includes(approval.status) && (!known || known.status !== approval.status);
    if (arrived && this.loadedOnce && approval.requester.uid !== this.options.selfUid) this.options.onArrival(approval);
  }

  private publish(change: Partial<ApproverQueueView>): void {
    // Newest first, as the agent lists them; the window sorts by urgency itself.
    const approvals = [...this.approvals.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    this.view.next({ ...this.view.value, ...change, approvals });
  }
}
