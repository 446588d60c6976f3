import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAs } from '../support/asUser.ts';
import { callAs } from '../support/callAs.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { policy } from '../support/policyFixtures.ts';
import { ATTACKER } from '../support/testUsers.ts';

const PERSON = 'keeper-alice';

/**
 * Whether `pid` sleeps in a FIFO's open(2) for writing, waiting for a reader (the kernel's
 * wait_for_partner). An open for reading wakes it before that open returns, so it never waits there again.
 */
const waitsForReader = (pid: number) => readFileSync(`/proc/${pid}/wchan`, 'utf8') === 'wait_for_partner';

/**
 * keeper-edit attacked by other accounts (`nobody`, `keeper-alice`). The agent opens the target as
 * root before any policy decides, so opening and reading it must have no effect of its own (a
 * device's open can arm a watchdog or rewind a tape, a FIFO's wakes its writer, a read of /proc/kmsg
 * drains the kernel log), and nothing of a root-only file may reach its requester before it is allowed.
 */
describe('keeper-edit: what the agent reads as root has no effect and tells the requester nothing', () => {
  const sandbox = policyAgentSandbox();
  const files = join(sandbox.dir, 'files');
  const fifo = join(files, 'pipe.conf');
  const secret = join(files, 'pin.key');
  const setuid = join(files, 'helper.conf');
  const SECRET = 'PIN=4711\n';
  let writer: ChildProcess | undefined;

  beforeAll(async () => {
    mkdirSync(files, { mode: 0o755 });
    writeFileSync(join(files, 'plain.conf'), 'setting=1\n', { mode: 0o640 });
    writeFileSync(setuid, '#!/bin/sh\necho helper\n');
    chmodSync(setuid, 0o6755);
    writeFileSync(secret, SECRET);
    chmodSync(secret, 0o600);
    expect(spawnSync('mkfifo', ['-m', '0600', fifo]).status).toBe(0);
    await sandbox.start({
      files: {
        'collections.json': {
          Collections: [
            { CollectionId: 'col-editable', Type: 'Application', Members: [{ Path: `${files}/*.conf` }] },
            { CollectionId: 'col-keys', Type: 'Application', Members: [{ Path: `${files}/*.key` }] },
          ],
        },
        'policies.json': [
          policy('fa-edit', ['ALLOW'], { PolicyType: 'FileAccess', ApplicationCheck: ['col-editable'] }),
          policy('fa-keys', ['JUSTIFY'], { PolicyType: 'FileAccess', ApplicationCheck: ['col-keys'] }),
        ],
      },
      openToOtherUsers: true,
    });
  });

  afterAll(async () => {
    writer?.kill('SIGKILL');
    await sandbox.dispose();
  });

  it('RT-E1: a FIFO (root 0600) named by nobody is refused without being opened: its blocked writer stays blocked', async () => {
    // A root process waits to write into the FIFO; its open returns only when someone opens it for reading.
    writer = spawn('/bin/sh', ['-c', 'exec 3> "$1"; sleep 60', 'sh', fifo], { stdio: 'ignore' });
    const pid = writer.pid!;
    await expect
      .poll(() => waitsForReader(pid), { timeout: 10_000, message: 'the writer never blocked in the FIFO open (is /proc/<pid>/wchan readable?)' })
      .toBe(true);
    const asked = await callAs(sandbox.socket, ATTACKER, 'edit.open', { path: fifo, cwd: '/' });
    expect(asked).toMatchObject({ ok: false, code: -33001 });
    expect(!asked.ok && asked.message).toContain('is not a regular file');
    // Had the agent opened the FIFO before answering, the writer would have been woken by then.
    expect(waitsForReader(pid), 'the agent opened the FIFO: its writer was woken').toBe(true);
    // A regular file next to it is still edited as before.
    expect(await callAs(sandbox.socket, ATTACKER, 'edit.open', { path: join(files, 'plain.conf'), cwd: '/' })).toMatchObject({
      ok: true,
      result: { state: 'allowed' },
    });
  });

  it('RT-E5: a hard link under an editable name to a root-only file is refused: its content never reaches the requester', async () => {
    // Where fs.protected_hardlinks is 0 a user can make such a link himself; here root makes it.
    const hidden = join(sandbox.dir, 'root-only.secret');
    writeFileSync(hidden, SECRET, { mode: 0o600 });
    const link = join(files, 'linked.conf');
    linkSync(hidden, link);
    const asked = await callAs(sandbox.socket, ATTACKER, 'edit.open', { path: link, cwd: '/' });
    expect(asked).toMatchObject({ ok: false, code: -33001 });
    expect(!asked.ok && asked.message).toContain('hard links');
    expect(JSON.stringify(asked)).not.toContain('4711');
  });

  it('RT-E3: a file of a kernel file system (/proc/kmsg, whose reads drain the kernel log) is refused before it is read', async () => {
    const asked = await callAs(sandbox.socket, ATTACKER, 'edit.open', { path: '/proc/kmsg', cwd: '/' });
    expect(asked).toMatchObject({ ok: false, code: -33001 });
    expect(!asked.ok && asked.message).toContain('/proc/kmsg is on a kernel file system');
  });

  it('RT-E4: a set-user-ID or set-group-ID file written back with new content loses those bits', async () => {
    const committed = await runAs<{ ok: boolean; result?: { written: boolean } }>(
      ATTACKER,
      sandbox.socket,
      `const fs = await import('node:fs');
       const c = await connect();
       const opened = await call(c, 'edit.open', { path: ${JSON.stringify(setuid)}, cwd: '/' });
       const copy = await call(c, 'edit.copy', { requestId: opened.result.requestId });
       fs.writeFileSync(copy.result.copyPath, '#!/bin/sh\\nexec /bin/sh -p\\n');
       console.log(JSON.stringify(await call(c, 'edit.commit', { requestId: opened.result.requestId })));
       c.close();`,
    );
    expect(committed).toMatchObject({ ok: true, result: { written: true } });
    expect(readFileSync(setuid, 'utf8')).toBe('#!/bin/sh\nexec /bin/sh -p\n');
    const after = statSync(setuid);
    expect([after.uid, after.mode & 0o7777]).toEqual([0, 0o755]);
  });

  it('RT-E2: a prompt shown to the requester of an edit does not carry the hash of the root-only file it has not been allowed to see', async () => {
    const session = sandbox.desktopSessions.add({ user: PERSON });
    try {
      // keeper-alice at her desktop asks to edit a root 0600 file under a JUSTIFY policy, reads the prompt, and gives up.
      const seen = await runAs<{ opened: { ok: boolean; result?: { state: string; requestId: string } }; subject: { sha256: string | null } | null }>(
        PERSON,
        sandbox.socket,
        `const c = await AgentClient.connect(${JSON.stringify(sandbox.socket)});
         const shown = new Promise((resolve) => c.onNotification(p.PromptShowNotification, resolve));
         await c.request(p.SessionHello, { protocolVersion: p.PROTOCOL_VERSION, client: { kind: 'desktop', name: 'redteam', version: '1' } });
         const opened = await call(c, 'edit.open', { path: ${JSON.stringify(secret)}, cwd: '/' });
         const prompt = await Promise.race([shown, new Promise((resolve) => setTimeout(() => resolve(null), 15000))]);
         if (opened.ok) await call(c, 'edit.cancel', { requestId: opened.result.requestId });
         console.log(JSON.stringify({ opened, subject: prompt ? prompt.subject : null }));
         c.close();
         process.exit(0);`,
      );
      expect(seen.opened).toMatchObject({ ok: true, result: { state: 'pending' } });
      expect(seen.subject).not.toBeNull();
      // The hash of a short secret is the secret (10,000 guesses for a PIN).
      expect(seen.subject?.sha256).not.toBe(createHash('sha256').update(SECRET).digest('hex'));
      expect(seen.subject?.sha256).toBeNull();
    } finally {
      sandbox.desktopSessions.remove(session);
    }
  });
});
