import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { AgentErrorCodes, JobsDesktopTaskNotification, type JobsDesktopTask } from '../../../../shared/protocol/src/common/index.ts';
import { AuditLog } from '../audit/auditLog.ts';
import type { ConnectionContext } from '../ipc/agentConnection.ts';
import { ConnectionRegistry } from '../ipc/connectionRegistry.ts';
import { Notifier } from '../ipc/notifier.ts';
import { createLogger } from '../log/logger.ts';
import { openAgentDatabase, type AgentDatabase } from '../store/database.ts';
import { DesktopTaskBroker } from './desktopTasks.ts';
import { JobEngine } from './jobEngine.ts';
import { KeeperJob } from './jobSchema.ts';
import { ManualScheduler } from '../../../../tests/support/manualScheduler.ts';

const toastJob = (timeoutSeconds: number) =>
  KeeperJob.parse({
    id: 'desk',
    name: 'Desk',
    tasks: [{ id: 'toast', name: 'Toast', ExecutionType: 'UserDesktop', executablePath: 'toast', arguments: '--title Hi', timeoutSeconds }],
  });

/** The engine handing UserDesktop tasks to the real broker, and a desktop of uid 1000 on a JSON-RPC connection. */
describe('UserDesktop tasks through the DesktopTaskBroker', () => {
  let dir: string;
  let db: AgentDatabase;
  let scheduler: ManualScheduler;
  let engine: JobEngine;
  let broker: DesktopTaskBroker;
  let registry: ConnectionRegistry;
  let desktop: ConnectionContext;
  let desktopEnd: MessageConnection;
  let received: Promise<JobsDesktopTask>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kp-desktop-tasks-'));
    db = openAgentDatabase(dir);
    scheduler = new ManualScheduler(Date.parse('2030-01-01T00:00:00Z'));
    const clock = { now: () => new Date(scheduler.now) };
    const audit = new AuditLog({ db });
    registry = new ConnectionRegistry();
    broker = new DesktopTaskBroker({ registry, notifier: new Notifier({ registry, log: createLogger('Critical') }), clock, scheduler, audit });
    engine = new JobEngine({
      db,
      clock,
      scheduler,
      audit,
      platform: 'linux',
      pluginSettings: () => true,
      log: createLogger('Critical'),
      deliverToDesktop: broker.deliver,
    });

    const toDesktop = new PassThrough();
    const toAgent = new PassThrough();
    const agentEnd = createMessageConnection(new StreamMessageReader(toAgent), new StreamMessageWriter(toDesktop));
    desktopEnd = createMessageConnection(new StreamMessageReader(toDesktop), new StreamMessageWriter(toAgent));
    received = new Promise((resolve) => desktopEnd.onNotification(JobsDesktopTaskNotification.method, (task: JobsDesktopTask) => resolve(task)));
    agentEnd.listen();
    desktopEnd.listen();
    desktop = {
      connectionId: 'c1',
      peer: { uid: 1000, gid: 1000, pid: 1, userName: null },
      connection: agentEnd,
      session: { sessionId: 's1', clientKind: 'desktop', desktop: { verified: true, session: '1' } },
    };
    registry.add(desktop);
  });

  afterEach(async () => {
    broker.closeAll();
    await engine.stop();
    desktop.connection.dispose();
    desktopEnd.dispose();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails a task the desktop does not answer within timeoutSeconds through one timer, leaves none behind, and refuses a late answer', async () => {
    engine.load([toastJob(5)]);
    const run = engine.runNow('desk', { uid: 1000 });
    const task = await received;
    expect(task).toMatchObject({ window: 'toast', args: ['--title', 'Hi'], expiresAt: '2030-01-01T00:00:05.000Z' });
    // The broker owns the timeout: the engine sets no second one for the same task.
    expect(scheduler.pending).toBe(1);
    scheduler.advance(4_999);
    expect(scheduler.pending).toBe(1);
    scheduler.advance(1);
    expect(await run).toMatchObject({ status: 'failed', reason: 'task toast failed: no answer from the desktop within 5 s' });
    expect(scheduler.pending).toBe(0);
    expect(() => broker.done(desktop, { deliveryId: task.deliveryId, outcome: 'completed' })).toThrow(
      expect.objectContaining({ code: AgentErrorCodes.Expired }),
    );
    expect(engine.recentRuns(1)[0]).toMatchObject({
      status: 'failed',
      tasks: [{ taskId: 'toast', status: 'failed', reason: 'no answer from the desktop within 5 s' }],
    });
  });

  it('ends the task with the desktop’s answer and cancels its timeout', async () => {
    engine.load([toastJob(300)]);
    const run = engine.runNow('desk', { uid: 1000 });
    const task = await received;
    expect(broker.done(desktop, { deliveryId: task.deliveryId, outcome: 'completed' })).toEqual({ accepted: true });
    expect(await run).toMatchObject({ status: 'succeeded', tasks: [{ taskId: 'toast', status: 'succeeded' }] });
    expect(scheduler.pending).toBe(0);
  });

  it('takes the console user from verified desktops only, whatever connected last', () => {
    expect(broker.consoleUid()).toBe(1000);
    const claimed: ConnectionContext = {
      connectionId: 'c2',
      peer: { uid: 65534, gid: 65534, pid: 2, userName: 'nobody' },
      connection: desktop.connection,
      session: { sessionId: 's2', clientKind: 'desktop', desktop: { verified: false, reason: 'system-account' } },
    };
    registry.add(claimed);
    expect(broker.consoleUid()).toBe(1000);
  });
});
