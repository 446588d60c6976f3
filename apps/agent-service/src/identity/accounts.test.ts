import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemUser } from '../../../../tests/support/requesterProcess.ts';
import { AccountDirectory } from './accounts.ts';

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

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds name, home and groups through NSS, the same blocking and not', async () => {
    const root = { name: 'root', home: '/root', groups: expect.arrayContaining(['root']) as unknown };
    expect(new AccountDirectory().lookup(0)).toEqual(root);
    expect(await new AccountDirectory().lookupAsync(0)).toEqual(root);
    expect((await new AccountDirectory().lookupAsync(nobody.uid)).name).toBe('nobody');
  });

  it('an unknown uid has no name, no home and no groups', async () => {
    expect(await new AccountDirectory().lookupAsync(2_000_000_123)).toEqual({ name: null, home: null, groups: [] });
  });

  it('a slow lookup blocks neither the event loop nor a lookup served from the cache', async () => {
    const getent = slowGetent('getent-slow', 0.5);
    const directory = new AccountDirectory({ getent: getent.path, id: 'id' });
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
    const directory = new AccountDirectory({ getent: getent.path, id: 'id' }, 60_000);
    const t = 1_000_000;
    const results = await Promise.all(Array.from({ length: 5 }, () => directory.lookupAsync(0, t)));
    expect(new Set(results.map((r) => r.name))).toEqual(new Set(['root']));
    expect(getent.runs()).toBe(1);

    expect((await directory.lookupAsync(0, t + 59_999)).name).toBe('root');
    expect(directory.lookup(0, t + 59_999).name).toBe('root');
    expect(getent.runs()).toBe(1);

    expect((await directory.lookupAsync(0, t + 60_000)).name).toBe('root');
    expect(getent.runs()).toBe(2);
  });

  it('gives up on a directory that does not answer within 2 s: the account is unknown, not waited for', async () => {
    const hung = join(dir, 'getent-hung');
    writeFileSync(hung, '#!/bin/sh\nexec sleep 30\n');
    chmodSync(hung, 0o755);
    const started = performance.now();
    const account = await new AccountDirectory({ getent: hung, id: 'id' }).lookupAsync(0);
    expect(account).toEqual({ name: null, home: null, groups: [] });
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
