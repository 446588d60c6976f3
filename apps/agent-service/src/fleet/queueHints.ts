import { ApprovalsChanged } from '../../../../shared/protocol/src/common/index.ts';
import type { Account } from '../identity/accounts.ts';
import type { ConnectionRegistry } from '../ipc/connectionRegistry.ts';
import type { Notifier } from '../ipc/notifier.ts';
import type { Logger } from '../log/logger.ts';
import { actorOf } from './fleetActor.ts';
import type { ApprovalRelay } from './approvalRelay.ts';

/**
 * The fleet's `approvals.changed` hints, turned into the agent protocol's `approvals.changed` for
 * the approvers' windows on this machine. A hint carries only an id: the request is read back through
 * the relay for each approver, so a window gets only what the fleet lets that person see. Only users
 * whose relayed list the fleet answered are asked, so others cause no refusals on the server.
 */
export class QueueHints {
  private readonly approvers = new Set<number>();
  private readonly deps: {
    relay: () => ApprovalRelay;
    registry: ConnectionRegistry;
    notifier: Notifier;
    log: Logger;
    accounts: (uid: number) => Promise<Account>;
    watch: (on: boolean) => void;
  };

  constructor(deps: QueueHints['deps']) {
    this.deps = deps;
  }

  /** An approver's list was answered: their windows get hints from now on. */
  approverListed(uid: number): void {
    if (this.approvers.size === 0) this.deps.watch(true);
    this.approvers.add(uid);
  }

  changed(approvalId: string): void {
    for (const uid of this.approvers) {
      const contexts = this.deps.registry.ofUser(uid);
      if (contexts.length === 0) continue;
      void (async () => {
        const { approvals } = await this.deps.relay().list(await actorOf(uid, this.deps.accounts), {});
        const approval = approvals.find((a) => a.approvalId === approvalId);
        if (!approval) return;
        this.deps.notifier.send({ to: 'connections', contexts }, ApprovalsChanged, approval);
      })().catch((error: unknown) =>
        // The fleet did not answer: this approver's window catches up on its next list.
        this.deps.log.warn({ uid, approvalId, err: error instanceof Error ? error.message : String(error) }, 'fleet queue hint not relayed'),
      );
    }
  }
}
