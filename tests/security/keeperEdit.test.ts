import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAs } from '../support/asUser.ts';
import { callAs } from '../support/callAs.ts';
import { agentParentScript } from '../support/agentShapedProcess.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { policy } from '../support/policyFixtures.ts';
import { systemUser } from '../support/requesterProcess.ts';
import { PROJECT_DIR } from '../support/agentProcess.ts';
import { runCli } from '../support/runAsCli.ts';
import { ATTACKER } from '../support/testUsers.ts';

const EDIT = join(PROJECT_DIR, 'apps/run-as/bin/keeper-edit.js');
const nobody = systemUser(ATTACKER);
const ADM_GID = 4;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

type Opened =
  | { ok: true; result: { requestId: string; state: string; path: string; sha256: string | null; copyPath?: string } }
  | { ok: false; code: number; message: string };
type Committed =
  { ok: true; result: { written: boolean; sha256Before: string | null; sha256After: string | null } } | { ok: false; code: number; message: string };

/**
 * keeper-edit (the sudoedit workflow) against the real agent, played by `nobody`: File Access
 * policies decide on the canonical path, the editor runs as the user on a private copy, and the
 * agent writes back only what the user could read, only if the file did not change meanwhile.
 */
describe('keeper-edit: File Access policies decide, the agent writes back safely', () => {
  const sandbox = policyAgentSandbox();
  const files = join(sandbox.dir, 'files');
  const open = join(sandbox.dir, 'open');
  const file = (name: string) => join(files, name);
  const appendEditor = join(sandbox.dir, 'append-editor.sh');
  const failingEditor = join(sandbox.dir, 'failing-editor.sh');

  /** A root file nobody cannot read: owner root, group adm, 0640. */
  const rootFile = (name: string, content: string, mode = 0o640) => {
    writeFileSync(file(name), content);
    chownSync(file(name), 0, ADM_GID);
    chmodSync(file(name), mode);
  };

  /** edit.open then, when allowed, edit.copy, as `nobody` in one process. */
  const openAndCopy = (path: string) =>
    runAs<Opened>(
      ATTACKER,
      sandbox.socket,
      `const c = await connect();
       const opened = await call(c, 'edit.open', { path: ${JSON.stringify(path)}, cwd: '/' });
       if (opened.ok && opened.result.state === 'allowed') {
         const copy = await call(c, 'edit.copy', { requestId: opened.result.requestId });
         if (!copy.ok) { console.log(JSON.stringify(copy)); process.exit(0); }
         opened.result.copyPath = copy.result.copyPath;
       }
       console.log(JSON.stringify(opened));
       c.close();`,
    );

  /** As `nobody`: runs `change` (JS with `copyPath` and `fs` in scope) on the copy, then edit.commit. */
  const changeAndCommit = (requestId: string, copyPath: string, change: string) =>
    runAs<Committed>(
      ATTACKER,
      sandbox.socket,
      `const fs = await import('node:fs');
       const copyPath = ${JSON.stringify(copyPath)};
       ${change}
       const c = await connect();
       console.log(JSON.stringify(await call(c, 'edit.commit', { requestId: ${JSON.stringify(requestId)} })));
       c.close();`,
    );

  const auditEvents = (type: string) => {
    const db = new Database(join(sandbox.dataDir, 'agent.db'), { readonly: true });
    try {
      return (db.prepare('SELECT data_json FROM audit_events WHERE type = ? ORDER BY seq').all(type) as { data_json: string }[]).map(
        (r) => JSON.parse(r.data_json) as Record<string, unknown>,
      );
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    mkdirSync(files, { mode: 0o755 });
    mkdirSync(open, { mode: 0o755 });
    rootFile('allowed.conf', 'setting=1\n');
    rootFile('cli.conf', 'setting=1\n');
    rootFile('changed.conf', 'setting=1\n');
    rootFile('swapped.conf', 'setting=1\n');
    rootFile('failed.conf', 'setting=1\n');
    rootFile('denied.conf', 'setting=1\n');
    rootFile('secret', 'TOPSECRET\n', 0o600);
    symlinkSync(file('allowed.conf'), file('allowed-link.conf'));
    // `open/*` is allowed, but open/escape leads out of it: only the canonical path counts.
    symlinkSync(files, join(open, 'escape'));
    symlinkSync(files, join(sandbox.dir, 'alias'));
    writeFileSync(appendEditor, '#!/bin/sh\nprintf "edited=1\\n" >> "$1"\n', { mode: 0o755 });
    writeFileSync(failingEditor, '#!/bin/sh\nprintf "edited=1\\n" >> "$1"\nexit 3\n', { mode: 0o755 });
    await sandbox.start({
      files: {
        'collections.json': {
          Collections: [
            { CollectionId: 'col-editable', Type: 'Application', Members: [{ Path: `${files}/*.conf` }, { Path: `${open}/*` }] },
            { CollectionId: 'col-denied', Type: 'Application', Members: [{ Path: `${files}/denied.conf` }] },
            { CollectionId: 'col-goose', Type: 'Application', Members: [{ Path: '*/goose' }] },
          ],
        },
        'policies.json': [
          policy('fa-edit', ['ALLOW'], { PolicyType: 'FileAccess', ApplicationCheck: ['col-editable'] }),
          policy('fa-deny', ['DENY'], { PolicyType: 'FileAccess', ApplicationCheck: ['col-denied'] }),
          // A Privilege Elevation ALLOW for everything must not open any file for editing.
          policy('pe-all', ['ALLOW']),
          // An AI agent is decided by the agentic policies for edits too (5.4).
          policy('no-goose', ['DENY'], {
            PolicyType: 'AgenticAiAccess',
            ApplicationCheck: ['col-goose'],
            NotificationMessage: 'Goose may not act on this machine.',
          }),
        ],
      },
      openToOtherUsers: true,
    });
  });

  afterAll(() => sandbox.dispose());

  it('FA1: allowed: the editor runs as the user on a copy, and the file is written back with its owner, group and mode', async () => {
    const before = statSync(file('cli.conf'));
    const result = await runCli(EDIT, sandbox.socket, [file('cli.conf')], { user: ATTACKER, env: { EDITOR: appendEditor } });
    expect(result, result.stderr).toMatchObject({ code: 0 });
    expect(readFileSync(file('cli.conf'), 'utf8')).toBe('setting=1\nedited=1\n');
    const after = statSync(file('cli.conf'));
    expect([after.uid, after.gid, after.mode & 0o7777]).toEqual([0, ADM_GID, 0o640]);
    expect(after.ino).not.toBe(before.ino);
    // Audited under the canonical path, with the hash before and after.
    expect(auditEvents('edit.decided')).toContainEqual(expect.objectContaining({ path: file('cli.conf'), state: 'allowed' }));
    const committed = auditEvents('edit.committed').find((e) => e['path'] === file('cli.conf'));
    expect(committed).toMatchObject({ outcome: 'written', sha256Before: sha256('setting=1\n'), sha256After: sha256('setting=1\nedited=1\n') });
    // No copy is left behind.
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith('keeper-edit-') && statSync(join(tmpdir(), n)).uid === nobody.uid)).toEqual([]);
  });

  it('FA2: denied: keeper-edit exits 1, the file is untouched and no copy is made', async () => {
    const result = await runCli(EDIT, sandbox.socket, [file('denied.conf')], { user: ATTACKER, env: { EDITOR: appendEditor } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file('denied.conf')}: denied: Denied by policy "Policy fa-deny".`);
    expect(readFileSync(file('denied.conf'), 'utf8')).toBe('setting=1\n');
    // A file no File Access policy names is denied by default, whatever the elevation policies say.
    const other = await openAndCopy(file('secret'));
    expect(other).toMatchObject({ ok: true, result: { state: 'denied' } });
    expect(other.ok && other.result.copyPath).toBeFalsy();
  });

  it('FA3: a file changed behind its back between the copy and the write-back is refused, and the change kept', async () => {
    const opened = await openAndCopy(file('changed.conf'));
    if (!opened.ok || !opened.result.copyPath) throw new Error(JSON.stringify(opened));
    writeFileSync(file('changed.conf'), 'setting=2 (by root, meanwhile)\n');
    const committed = await changeAndCommit(opened.result.requestId, opened.result.copyPath, `fs.appendFileSync(copyPath, 'edited=1\\n');`);
    expect(committed).toMatchObject({ ok: false, code: -33006 });
    expect(!committed.ok && committed.message).toContain('changed since it was copied');
    expect(readFileSync(file('changed.conf'), 'utf8')).toBe('setting=2 (by root, meanwhile)\n');
  });

  it('FA4: a symlink at the target is refused, not followed', async () => {
    const opened = await openAndCopy(file('allowed-link.conf'));
    expect(opened).toMatchObject({ ok: false, code: -33001 });
    expect(!opened.ok && opened.message).toContain('is a symbolic link');
    expect(readFileSync(file('allowed.conf'), 'utf8')).toBe('setting=1\n');
  });

  it('FA5: the copy swapped for a symlink to a root-only file is refused, and the secret never reaches the target', async () => {
    const opened = await openAndCopy(file('swapped.conf'));
    if (!opened.ok || !opened.result.copyPath) throw new Error(JSON.stringify(opened));
    const committed = await changeAndCommit(
      opened.result.requestId,
      opened.result.copyPath,
      `fs.unlinkSync(copyPath); fs.symlinkSync(${JSON.stringify(file('secret'))}, copyPath);`,
    );
    expect(committed).toMatchObject({ ok: false });
    expect(readFileSync(file('swapped.conf'), 'utf8')).toBe('setting=1\n');
    expect(existsSync(opened.result.copyPath)).toBe(false);
  });

  it('FA6: a path through a symlinked folder or `..` is decided on its canonical path', async () => {
    // open/escape/denied.conf matches the allowed `open/*` as written, but is files/denied.conf.
    const escaped = await openAndCopy(join(open, 'escape', 'denied.conf'));
    expect(escaped).toMatchObject({ ok: true, result: { state: 'denied', path: file('denied.conf') } });
    const aliased = await openAndCopy(join(sandbox.dir, 'alias', '..', 'files', 'allowed.conf'));
    expect(aliased).toMatchObject({ ok: true, result: { state: 'allowed', path: file('allowed.conf') } });
    if (aliased.ok && aliased.result.copyPath) expect(statSync(aliased.result.copyPath)).toMatchObject({ uid: nobody.uid, mode: 0o100600 });
  });

  it('FA7: an editor that exits non-zero writes nothing', async () => {
    const result = await runCli(EDIT, sandbox.socket, [file('failed.conf')], { user: ATTACKER, env: { EDITOR: failingEditor } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('exited with 3; nothing was written');
    expect(readFileSync(file('failed.conf'), 'utf8')).toBe('setting=1\n');
  });

  it('FA8: an unchanged copy writes nothing; a new file is created as root 0644 only when something was saved', async () => {
    const before = statSync(file('allowed.conf'));
    const unchanged = await runCli(EDIT, sandbox.socket, [file('allowed.conf')], { user: ATTACKER, env: { EDITOR: '/bin/true' } });
    expect(unchanged).toMatchObject({ code: 0 });
    expect(unchanged.stderr).toContain('unchanged');
    expect(statSync(file('allowed.conf')).ino).toBe(before.ino);

    expect(await runCli(EDIT, sandbox.socket, [file('empty.conf')], { user: ATTACKER, env: { EDITOR: '/bin/true' } })).toMatchObject({ code: 0 });
    expect(existsSync(file('empty.conf'))).toBe(false);
    expect(await runCli(EDIT, sandbox.socket, [file('new.conf')], { user: ATTACKER, env: { EDITOR: appendEditor } })).toMatchObject({ code: 0 });
    expect(readFileSync(file('new.conf'), 'utf8')).toBe('edited=1\n');
    const made = statSync(file('new.conf'));
    expect([made.uid, made.gid, made.mode & 0o7777]).toEqual([0, 0, 0o644]);
  });

  it('FA10: an elevation cannot borrow the File Access policies (policyType FileAccess is refused)', async () => {
    writeFileSync(file('run.conf'), '#!/bin/sh\nid -u\n', { mode: 0o755 });
    const asked = await callAs(sandbox.socket, ATTACKER, 'elevation.request', {
      executable: file('run.conf'),
      arguments: [],
      cwd: '/',
      policyType: 'FileAccess',
    });
    expect(asked).toMatchObject({ ok: false, code: -32602 });
  });

  it('FA11: keeper-edit tells nothing of files the user could not look at: no hash, and an unreachable folder reads as a missing one', async () => {
    const privateDir = join(sandbox.dir, 'private');
    mkdirSync(privateDir, { mode: 0o700 });
    writeFileSync(join(privateDir, 'hidden.conf'), 'PIN=1234\n');
    symlinkSync(files, join(privateDir, 'link'));
    const hidden = await openAndCopy(join(privateDir, 'hidden.conf'));
    const missing = await openAndCopy(join(sandbox.dir, 'no-such-folder', 'hidden.conf'));
    const throughLink = await openAndCopy(join(privateDir, 'link', 'allowed.conf'));
    expect(hidden).toMatchObject({ ok: false, code: -33002, message: `${privateDir} is not a folder you can reach` });
    expect(throughLink).toMatchObject({ ok: false, code: -33002, message: `${join(privateDir, 'link')} is not a folder you can reach` });
    expect(missing).toMatchObject({ ok: false, code: -33002 });
    const allowed = await openAndCopy(file('allowed.conf'));
    expect(allowed.ok && Object.keys(allowed.result).sort()).toEqual(['copyPath', 'decision', 'path', 'requestId', 'state']);
  });

  it('FA12: an edit asked for by an AI agent meets the agentic policies (Agentic AI Access denies Goose)', () => {
    const goose = agentParentScript(join(sandbox.dir, 'agents'), 'goose');
    const run = spawnSync(goose, [process.execPath, EDIT, '--socket', sandbox.socket, file('allowed.conf')], {
      ...nobody,
      cwd: '/',
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin', EDITOR: appendEditor },
    });
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toContain(`${file('allowed.conf')}: denied: Goose may not act on this machine.`);
    expect(readFileSync(file('allowed.conf'), 'utf8')).toBe('setting=1\n');
  });

  it("FA9: nobody else's edit can be copied, committed or cancelled", async () => {
    const opened = await openAndCopy(file('allowed.conf'));
    if (!opened.ok) throw new Error(JSON.stringify(opened));
    for (const method of ['edit.copy', 'edit.commit', 'edit.cancel']) {
      expect(await callAs(sandbox.socket, 'keeper-alice', method, { requestId: opened.result.requestId })).toMatchObject({ ok: false, code: -33002 });
    }
    expect(await callAs(sandbox.socket, ATTACKER, 'edit.cancel', { requestId: opened.result.requestId })).toMatchObject({ ok: true });
  });
});
