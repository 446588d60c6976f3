import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemUser } from '../../../../tests/support/requesterProcess.ts';
import { lookupTargetAccount } from '../elevation/targetAccount.ts';
import { uidOfUser } from '../jobs/userLookup.ts';
import { AccountDirectory, type AccountFiles } from './accounts.ts';

const linux = process.platform === 'linux';

describe.skipIf(!linux)('AccountDirectory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keeper-accounts-'));
  const nobody = systemUser('nobody');

  /** A getent that logs each run, waits `seconds`, then runs the real getent: a slow directory. */
  function slowGetent(name: string, seconds: number): { path: string; runs: () => number } {
    const path = join(dir, name);
    const log = join(dir, `${name}.runs`);
    writeFileSync(log, '');
    writeFileSync(path, `#!/bin/sh\necho run >> '${log}'\nsleep ${seconds}\nexec getent "$@"\n`);
    chmodSync(path, 0o755);
    return { path, runs: () => readFileSync(log, 'utf8').split('\n').filter(Boolean).length };
  }

  /** A getent that answers from a file this test edits: a directory whose accounts come and go. */
  function editableGetent(name: string): { path: string; write: (lines: string) => void } {
    const path = join(dir, name);
    const entries = join(dir, `${name}.passwd`);
    writeFileSync(entries, '');
    writeFileSync(path, `#!/bin/sh\ngrep "^$3:" '${entries}' || exit 2\n`);
    chmodSync(path, 0o755);
    return { path, write: (lines) => writeFileSync(entries, lines) };
  }

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds name, home and groups through NSS', async () => {
    const root = { name: 'root', home: '/root', groups: expect.arrayContaining(['root']) as unknown };
    expect(await new AccountDirectory().lookupAsync(0)).toEqual(root);
    expect((await new AccountDirectory().lookupAsync(nobody.uid)).name).toBe('nobody');
  });

  it('the local files give what NSS gives, for root, nobody and the test people, and spawn nothing', async () => {
    const nss = new AccountDirectory({ files: null });
    // Tools that cannot run: whatever resolves here came from the files alone.
    const filesOnly = new AccountDirectory({ commands: { getent: join(dir, 'no-getent'), id: join(dir, 'no-id') } });
    for (const uid of [0, nobody.uid, systemUser('keeper-alice').uid, systemUser('keeper-bob').uid]) {
      const expected = await nss.lookupAsync(uid);
      expect(expected.name).not.toBeNull();
      expect(await filesOnly.lookupAsync(uid)).toEqual(expected);
      expect(await filesOnly.entryOfName(expected.name!)).toEqual(await nss.entryOfName(expected.name!));
    }
  });

  describe('the local files, only where NSS would answer from them alone', () => {
    const none = { getent: join(dir, 'no-getent'), id: join(dir, 'no-id') };
    const unknown = { name: null, home: null, groups: [] };

    function accountFiles(name: string, nsswitch: string, passwd: string, group: string): AccountFiles {
      const files = { nsswitch: join(dir, `${name}.nsswitch`), passwd: join(dir, `${name}.passwd`), group: join(dir, `${name}.group`) };
      writeFileSync(files.nsswitch, nsswitch);
      writeFileSync(files.passwd, passwd);
      writeFileSync(files.group, group);
      return files;
    }
    const passwd = 'root:x:0:0:root:/root:/bin/bash\nana:x:4242:4343:Ana:/home/ana:/bin/bash\n';
    const group = 'root:x:0:\nana:x:4343:\ndevs:x:5000:bob,ana\nnear:x:5001:anabel,ana2\nops:x:5002:ana\n';

    it('name, home and groups (primary first, memberships matched exactly) come from passwd and group', async () => {
      const files = accountFiles('plain', 'passwd: files systemd\ngroup: files systemd # comment\n', passwd, group);
      expect(await new AccountDirectory({ commands: none, files }).lookupAsync(4242)).toEqual({
        name: 'ana',
        home: '/home/ana',
        groups: ['ana', 'devs', 'ops'],
      });
      expect(await new AccountDirectory({ commands: none, files }).entryOfName('ana')).toEqual({
        name: 'ana',
        uid: 4242,
        gid: 4343,
        home: '/home/ana',
        shell: '/bin/bash',
      });
    });

    it('a uid or name the files do not know goes to NSS', async () => {
      const files = accountFiles('partial', 'passwd: files\ngroup: files\n', passwd, group);
      const directory = new AccountDirectory({ files });
      expect((await directory.lookupAsync(nobody.uid)).name).toBe('nobody');
      expect(await directory.entryOfName('nobody')).toMatchObject({ uid: nobody.uid });
      expect(await new AccountDirectory({ commands: none, files }).lookupAsync(nobody.uid)).toEqual(unknown);
    });

    it('another source first, one that may add groups, NSS actions, compat lines or an unnamed primary group: NSS is asked', async () => {
      const cases: [string, string, string, string][] = [
        ['sss-first', 'passwd: sss files\ngroup: files\n', passwd, group],
        ['ldap-groups', 'passwd: files\ngroup: files ldap\n', passwd, group],
        ['action', 'passwd: files\ngroup: files [NOTFOUND=return] systemd\n', passwd, group],
        ['no-group-line', 'passwd: files\n', passwd, group],
        ['twice', 'passwd: files\ngroup: files\ngroup: files ldap\n', passwd, group],
        ['compat', 'passwd: files\ngroup: files\n', passwd, `${group}+@netgroup\n`],
        ['unnamed-gid', 'passwd: files\ngroup: files\n', passwd, 'devs:x:5000:ana\n'],
      ];
      for (const [name, ...contents] of cases) {
        const files = accountFiles(name, ...contents);
        expect(await new AccountDirectory({ commands: none, files }).lookupAsync(4242), name).toEqual(unknown);
      }
      const noPasswdFiles = accountFiles('sss-first-name', 'passwd: sss files\ngroup: files\n', passwd, group);
      expect(await new AccountDirectory({ commands: none, files: noPasswdFiles }).entryOfName('ana')).toBeNull();
      // Groups alone being NSS's does not stop a by-name passwd answer.
      const ldapGroups = accountFiles('ldap-groups-name', 'passwd: files\ngroup: files ldap\n', passwd, group);
      expect(await new AccountDirectory({ commands: none, files: ldapGroups }).entryOfName('ana')).toMatchObject({ uid: 4242 });
    });

    it('a missing nsswitch.conf leaves everything to NSS', async () => {
      const files = { ...accountFiles('no-conf', '', passwd, group), nsswitch: join(dir, 'missing.nsswitch') };
      expect(await new AccountDirectory({ commands: none, files }).lookupAsync(4242)).toEqual(unknown);
    });
  });

  it('an unknown uid has no name, no home and no groups', async () => {
    expect(await new AccountDirectory().lookupAsync(2_000_000_123)).toEqual({ name: null, home: null, groups: [] });
  });

  it('a slow lookup blocks neither the event loop nor a lookup served from the cache', async () => {
    const getent = slowGetent('getent-slow', 0.5);
    const directory = new AccountDirectory({ commands: { getent: getent.path, id: 'id' }, files: null });
    await directory.lookupAsync(nobody.uid);

    let slowDone = false;
    const slow = directory.lookupAsync(0).then((account) => {
      slowDone = true;
      return account;
    });
    // Both run while the slow lookup is still waiting on its child process.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(slowDone).toBe(false);
    expect((await directory.lookupAsync(nobody.uid)).name).toBe('nobody');
    expect(slowDone).toBe(false);

    expect((await slow).name).toBe('root');
    expect(getent.runs()).toBe(2);
  });

  it('concurrent lookups of one uid share one run; the result is reused until the TTL runs out', async () => {
    const getent = slowGetent('getent-counted', 0.2);
    const directory = new AccountDirectory({ commands: { getent: getent.path, id: 'id' }, files: null });
    const t = 1_000_000;
    const results = await Promise.all(Array.from({ length: 5 }, () => directory.lookupAsync(0, t)));
    expect(new Set(results.map((r) => r.name))).toEqual(new Set(['root']));
    expect(getent.runs()).toBe(1);

    expect((await directory.lookupAsync(0, t + 59_999)).name).toBe('root');
    expect(getent.runs()).toBe(1);

    expect((await directory.lookupAsync(0, t + 60_000)).name).toBe('root');
    expect(getent.runs()).toBe(2);
  });

  it('gives up on a directory that does not answer within 2 s: the account is unknown, not waited for', async () => {
    const hung = join(dir, 'getent-hung');
    writeFileSync(hung, '#!/bin/sh\nexec sleep 30\n');
    chmodSync(hung, 0o755);
    const started = performance.now();
    const account = await new AccountDirectory({ commands: { getent: hung, id: 'id' }, files: null }).lookupAsync(0);
    expect(account).toEqual({ name: null, home: null, groups: [] });
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('finds the passwd entry of a name through NSS', async () => {
    const directory = new AccountDirectory();
    expect(await directory.entryOfName('root')).toEqual({ name: 'root', uid: 0, gid: 0, home: '/root', shell: expect.stringMatching(/^\//) as unknown });
    expect(await directory.entryOfName('nobody')).toMatchObject({ name: 'nobody', ...nobody });
  });

  it('a missing name, a uid given as a name and a prefix of a name have no entry', async () => {
    const directory = new AccountDirectory();
    expect(await directory.entryOfName('keeper-no-such-user')).toBeNull();
    // getent answers "0" with root's entry: a name is never read as a uid.
    expect(await directory.entryOfName('0')).toBeNull();
    expect(await directory.entryOfName(String(nobody.uid))).toBeNull();
    expect(await directory.entryOfName('roo')).toBeNull();
    expect(await directory.entryOfName('-h')).toBeNull();
  });

  it('a by-name lookup answers from the directory each time, so a removed account does not linger', async () => {
    const getent = editableGetent('getent-editable');
    const directory = new AccountDirectory({ commands: { getent: getent.path, id: 'id' }, files: null });
    getent.write('ghost:x:4242:4343:Ghost:/home/ghost:/bin/bash\n');
    expect(await directory.entryOfName('ghost')).toEqual({ name: 'ghost', uid: 4242, gid: 4343, home: '/home/ghost', shell: '/bin/bash' });
    getent.write('');
    expect(await directory.entryOfName('ghost')).toBeNull();
  });

  it('a malformed entry counts as no entry', async () => {
    const getent = editableGetent('getent-malformed');
    const directory = new AccountDirectory({ commands: { getent: getent.path, id: 'id' }, files: null });
    getent.write(['short:x:1:1', 'nouid:x::1::/home/nouid:/bin/sh', 'badgid:x:1:one::/:/bin/sh', 'bare:x:7:8:::'].join('\n'));
    expect(await directory.entryOfName('short')).toBeNull();
    expect(await directory.entryOfName('nouid')).toBeNull();
    expect(await directory.entryOfName('badgid')).toBeNull();
    expect(await directory.entryOfName('bare')).toEqual({ name: 'bare', uid: 7, gid: 8, home: '', shell: '' });
  });

  it('a slow by-name lookup leaves the event loop running; concurrent callers for one name share its run', async () => {
    const getent = slowGetent('getent-slow-name', 0.5);
    const directory = new AccountDirectory({ commands: { getent: getent.path, id: 'id' }, files: null });
    await directory.lookupAsync(nobody.uid);

    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    let slowDone = false;
    const slow = Promise.all([directory.entryOfName('root'), directory.entryOfName('root')]).then((entries) => {
      slowDone = true;
      return entries;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(ticks).toBeGreaterThanOrEqual(5);
    expect((await directory.lookupAsync(nobody.uid)).name).toBe('nobody');
    expect(slowDone).toBe(false);
    clearInterval(ticker);

    const [first, second] = await slow;
    expect(first?.uid).toBe(0);
    expect(second).toBe(first);
    expect(getent.runs()).toBe(2);
  });

  it('keeper-runas targets and desktop users resolve by name, each the way its caller needs a number', async () => {
    expect(await lookupTargetAccount('nobody')).toEqual({ name: 'nobody', uid: nobody.uid, gid: nobody.gid, home: '/nonexistent', shell: '/usr/sbin/nologin' });
    expect(await lookupTargetAccount('keeper-no-such-user')).toBeNull();
    expect(await lookupTargetAccount('0')).toBeNull();

    expect(await uidOfUser('nobody')).toBe(nobody.uid);
    expect(await uidOfUser('root')).toBe(0);
    expect(await uidOfUser('keeper-no-such-user')).toBeNull();
    // A desktop user may be given as a uid; it needs no directory.
    expect(await uidOfUser('2000000123')).toBe(2_000_000_123);
  });
});
