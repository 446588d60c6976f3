import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalService } from '../../apps/agent-service/src/approvals/approvalService.ts';
import { ApprovalSettings } from '../../apps/agent-service/src/approvals/approvalSettings.ts';
import { AuditLog } from '../../apps/agent-service/src/audit/auditLog.ts';
import { ConnectionLimits } from '../../apps/agent-service/src/ipc/connectionLimits.ts';
import { approvalHandlers } from '../../apps/agent-service/src/handlers/approvals.ts';
import { sessionHandlers } from '../../apps/agent-service/src/handlers/session.ts';
import { DEFAULT_LOGIND_DIR, verifyDesktopPeer } from '../../apps/agent-service/src/identity/desktopSessions.ts';
import { AccountDirectory } from '../../apps/agent-service/src/identity/accounts.ts';
import { acceptConnection } from '../../apps/agent-service/src/ipc/agentConnection.ts';
import { createLogger } from '../../apps/agent-service/src/log/logger.ts';
import { systemClock, systemScheduler } from '../../apps/agent-service/src/time/clock.ts';
import { openAgentDatabase, type AgentDatabase } from '../../apps/agent-service/src/store/database.ts';
import { ApprovalsList } from '../../shared/protocol/src/common/index.ts';
import { DEFAULT_FRAME_LIMITS } from '../../shared/protocol/src/node/frameGuard.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { agentConnections } from '../support/agentConnections.ts';
import { connectClient } from '../support/agentProcess.ts';

const SLOW_SECONDS = 1;

/**
 * Approver roles come from the directory (NSS), which may take seconds (LDAP, SSSD). The approvals
 * handlers, served here over a real socket with the agent's own connection code, wait on a directory
 * whose getent is a slow stand-in (the AccountCommands seam): the caller's answer waits for it, other
 * connections are served meanwhile.
 */
describe.skipIf(process.platform !== 'linux')('approvals over a slow directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kpt-slowdir-'));
  const socketPath = join(dir, 'agent.sock');
  const getentRuns = join(dir, 'getent.runs');
  const { registry, notifier } = agentConnections();
  let db: AgentDatabase;
  let approvals: ApprovalService;
  let server: net.Server;

  beforeAll(async () => {
    const getent = join(dir, 'getent');
    writeFileSync(getentRuns, '');
    writeFileSync(getent, `#!/bin/sh\necho run >> '${getentRuns}'\nsleep ${SLOW_SECONDS}\nexec getent "$@"\n`);
    chmodSync(getent, 0o755);
    const directory = new AccountDirectory({ commands: { getent, id: 'id' }, files: null });
    db = openAgentDatabase(dir);
    approvals = new ApprovalService({
      db,
      clock: systemClock,
      scheduler: systemScheduler,
      audit: new AuditLog({ db }),
      registry,
      notifier,
      log: createLogger('Error'),
      settings: ApprovalSettings.parse({ administrators: { users: ['root'] } }),
      accounts: (uid) => directory.lookupAsync(uid),
    });
    const handlers = [
      ...sessionHandlers(
        'test',
        (context) => registry.sessionStarted(context),
        (peer) => verifyDesktopPeer(peer, { mode: 'logind', logindDir: DEFAULT_LOGIND_DIR }),
      ),
      ...approvalHandlers(approvals),
    ];
    const log = createLogger('Error');
    server = net.createServer((socket) =>
      acceptConnection(
        socket,
        handlers,
        DEFAULT_FRAME_LIMITS,
        ConnectionLimits.parse({}),
        log,
        (c) => registry.add(c),
        (c) => registry.remove(c),
      ),
    );
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  });

  afterAll(async () => {
    approvals?.stop();
    await new Promise((resolve) => server?.close(resolve));
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('approvals.list answers once the directory does, while another connection is served meanwhile', async () => {
    const approver = await connectClient(socketPath);
    let listed: number | null = null;
    const started = performance.now();
    const list = approver.request(ApprovalsList, {}).then((result) => {
      listed = performance.now();
      return result;
    });

    let other: AgentClient | null = null;
    try {
      // A second connection opens and finishes its handshake while the first waits on the directory.
      other = await connectClient(socketPath);
      const served = performance.now();
      expect(listed).toBeNull();
      expect(served - started).toBeLessThan(SLOW_SECONDS * 1000);

      expect(await list).toEqual({ roles: ['administrator'], approvals: [] });
      expect(listed! - started).toBeGreaterThanOrEqual(SLOW_SECONDS * 1000 - 50);
      expect(readFileSync(getentRuns, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);

      // The directory answered once: the next answers come from its cache, at once.
      const again = performance.now();
      expect((await other.request(ApprovalsList, {})).roles).toEqual(['administrator']);
      expect(performance.now() - again).toBeLessThan(SLOW_SECONDS * 1000);
    } finally {
      approver.close();
      other?.close();
    }
  });
});
