import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AgentErrorCodes } from '../../../../shared/protocol/src/common/index.ts';
import { AuditLog } from '../audit/auditLog.ts';
import { createLogger } from '../log/logger.ts';
import { openAgentDatabase } from '../store/database.ts';
import { MAX_STUCK_CHECKS_PER_USER, ProgramFiles, type ProgramOpener } from './programFiles.ts';

const dir = mkdtempSync(join(tmpdir(), 'keeper-programs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Only the stalled-check case wants a short deadline: a real check on a loaded machine can take 20 ms.
const programs = (options: { agentUid?: number; opener?: ProgramOpener | null; checkTimeoutMs?: number } = {}) => {
  const db = openAgentDatabase(mkdtempSync(join(dir, 'db-')));
  const audit = new AuditLog({ db });
  const files = new ProgramFiles({
    audit,
    log: createLogger('Critical'),
    clock: { now: () => new Date('2026-01-02T03:04:05Z') },
    agentUid: options.agentUid ?? 0,
    holdMs: 60_000,
    opener: options.opener,
    checkTimeoutMs: options.checkTimeoutMs ?? 10_000,
  });
  return { files, audit, db };
};

const peer = (uid: number) => ({ uid, gid: uid, pid: null, userName: null });

describe('ProgramFiles', () => {
  it.runIf(process.platform === 'linux' && process.getuid?.() === 0)(
    'opens with the caller’s rights: root reads a 0600 file, nobody is told it is not readable by them',
    async () => {
      const secret = join(dir, 'secret');
      writeFileSync(secret, 'x', { mode: 0o600 });
      const { files, db } = programs();
      const opened = await files.open(secret, peer(0), 'test');
      expect(opened).toMatchObject({ path: secret, sha256: '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881', sealed: false });
      files.close(opened);
      await expect(files.open(secret, peer(65534), 'test')).rejects.toMatchObject({
        code: AgentErrorCodes.Unauthorized,
        data: { reasonDetail: { code: 'program-not-readable', values: { path: secret } } },
      });
      expect(db.prepare("SELECT type, actor_uid FROM audit_events WHERE type = 'program.refused'").all()).toEqual([
        { type: 'program.refused', actor_uid: 65534 },
      ]);
    },
  );

  it('refuses other users when the agent does not run as root', async () => {
    const { files } = programs({ agentUid: 1000 });
    await expect(files.open('/usr/bin/id', peer(1001), 'test')).rejects.toMatchObject({
      code: AgentErrorCodes.Unauthorized,
      data: { reasonDetail: { code: 'agent-not-root' } },
    });
  });

  it(`lets one user's checks block at most ${MAX_STUCK_CHECKS_PER_USER} threads`, async () => {
    const stalled: ProgramOpener = { open: () => new Promise(() => {}), hash: () => new Promise(() => {}) };
    const { files } = programs({ opener: stalled, checkTimeoutMs: 20 });
    const busy = { code: AgentErrorCodes.TooManyRequests, data: { reasonDetail: { code: 'program-check-busy' } } };
    for (let i = 0; i < MAX_STUCK_CHECKS_PER_USER; i++) await expect(files.open('/usr/bin/id', peer(1000), 'test')).rejects.toMatchObject(busy);
    await expect(files.open('/usr/bin/id', peer(1000), 'test')).rejects.toMatchObject({
      ...busy,
      message: 'the agent is still checking other files for you; try again in a moment',
    });
    await expect(files.open('/usr/bin/id', peer(1001), 'test')).rejects.toMatchObject({ ...busy, message: 'checking /usr/bin/id did not finish in time' });
  });

  it('hands a held descriptor over once', () => {
    const { files } = programs({ opener: null });
    const program = { fd: -1, path: '/usr/bin/id', sha256: 'x', sealed: false };
    files.hold('r-1', 1000, program);
    expect(files.take('r-1')).toBe(program);
    expect(files.take('r-1')).toBeUndefined();
  });
});
