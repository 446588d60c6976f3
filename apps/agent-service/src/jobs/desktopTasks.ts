import { randomUUID } from 'node:crypto';
import {
  AgentError,
  AgentErrorCodes,
  JobsDesktopTaskNotification,
  type JobsDesktopTask,
  type ParamsOf,
  type JobsDesktopTaskDone,
} from '../../../../shared/protocol/src/common/index.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import type { ConnectionContext } from '../ipc/agentConnection.ts';
import { isVerifiedDesktop, type ConnectionRegistry } from '../ipc/connectionRegistry.ts';
import type { Notifier } from '../ipc/notifier.ts';
import type { Clock, Scheduler } from '../time/clock.ts';
import type { DesktopDelivery, ResolvedTask } from './jobEngine.ts';
import { jobReasons } from './jobReasons.ts';

type DeliveryResult = Awaited<ReturnType<DesktopDelivery>>;

interface OpenDelivery {
  readonly uid: number;
  readonly task: JobsDesktopTask;
  readonly finish: (result: DeliveryResult) => void;
}

/**
 * Hands UserDesktop tasks to the desktop sessions of the user they belong to (`jobs.desktopTask`)
 * and resolves each with the first outcome one of them reports (`jobs.desktopTaskDone`). Without a
 * desktop session of that user, or when the last one goes away before answering, the task fails
 * at once with a reason that says so. A desktop that connects while a task is open receives it too.
 */
export interface DesktopTaskBrokerOptions {
  readonly registry: ConnectionRegistry;
  readonly notifier: Notifier;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly audit: Pick<AuditLog, 'append'>;
}

export class DesktopTaskBroker {
  private readonly open = new Map<string, OpenDelivery>();
  private readonly registry: ConnectionRegistry;
  private readonly notifier: Notifier;
  private readonly clock: Clock;
  private readonly scheduler: Scheduler;
  private readonly audit: Pick<AuditLog, 'append'>;

  constructor({ registry, notifier, clock, scheduler, audit }: DesktopTaskBrokerOptions) {
    this.registry = registry;
    this.notifier = notifier;
    this.clock = clock;
    this.scheduler = scheduler;
    this.audit = audit;
    registry.onDesktopSessionStarted((context, uid) => {
      for (const delivery of this.open.values()) {
        if (delivery.uid === uid) this.notifier.send({ to: 'connections', contexts: [context] }, JobsDesktopTaskNotification, delivery.task);
      }
    });
    registry.onRemoved((context) => {
      const uid = context.peer.uid;
      if (uid === null || this.registry.desktopsOf(uid).length > 0) return;
      for (const delivery of [...this.open.values()]) {
        if (delivery.uid === uid) delivery.finish({ ok: false, why: jobReasons.desktopGone() });
      }
    });
  }

  readonly deliver: DesktopDelivery = (uid: number, task: ResolvedTask) => {
    const desktops = this.registry.desktopsOf(uid);
    if (desktops.length === 0) return Promise.resolve({ ok: false, why: jobReasons.desktopNotConnected(uid) });
    const deliveryId = randomUUID();
    const show: JobsDesktopTask = {
      deliveryId,
      jobId: task.jobId,
      runId: task.runId,
      taskId: task.id,
      name: task.name,
      window: task.executablePath,
      args: [...task.args],
      expiresAt: new Date(this.clock.now().getTime() + task.timeoutSeconds * 1000).toISOString(),
    };
    return new Promise((resolve) => {
      let cancelTimer = () => {};
      const finish = (result: DeliveryResult) => {
        if (!this.open.delete(deliveryId)) return;
        cancelTimer();
        resolve(result);
      };
      this.open.set(deliveryId, { uid, task: show, finish });
      cancelTimer = this.scheduler.schedule(task.timeoutSeconds * 1000, () => finish({ ok: false, why: jobReasons.desktopNoAnswer(task.timeoutSeconds) }));
      this.notifier.send({ to: 'connections', contexts: desktops }, JobsDesktopTaskNotification, show);
    });
  };

  /** A desktop's report; only a connection of the user the task went to may give it, once. */
  done(context: ConnectionContext, params: ParamsOf<typeof JobsDesktopTaskDone>): { accepted: true } {
    const delivery = this.open.get(params.deliveryId);
    if (!delivery) throw new AgentError(AgentErrorCodes.Expired, 'this desktop task is no longer open (answered, expired or failed)');
    if (context.peer.uid !== delivery.uid) {
      this.audit.append(
        {
          type: 'job.desktopTask.refused',
          actorUid: context.peer.uid,
          requestId: null,
          data: { deliveryId: params.deliveryId, jobId: delivery.task.jobId, reason: 'answer from another user' },
        },
        this.clock.now(),
      );
      throw new AgentError(AgentErrorCodes.Unauthorized, 'this desktop task belongs to another user');
    }
    delivery.finish(
      params.outcome === 'completed' ? { ok: true } : { ok: false, why: params.detail ? jobReasons.desktopFailed(params.detail) : jobReasons.desktopRefused() },
    );
    return { accepted: true };
  }

  /**
   * The console user: the one whose verified desktop session connected last (null when none is
   * connected). A connection that only says it is a desktop must not make its user the console user.
   */
  consoleUid(): number | null {
    const desktops = this.registry.withSession().filter((c) => isVerifiedDesktop(c) && c.peer.uid !== null);
    return desktops.at(-1)?.peer.uid ?? null;
  }

  /** Fails every open delivery (agent shutdown). */
  closeAll(): void {
    for (const delivery of [...this.open.values()]) delivery.finish({ ok: false, why: jobReasons.agentStopping() });
  }
}
