import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.ts';
import { StatusService } from '../status/statusService.ts';
import { systemClock } from '../time/clock.ts';
import { FileHashCache } from './fileHashCache.ts';
import { readKnownHashes, sameKnownHashes, writeKnownHashes } from './fileHashStore.ts';
import { PolicyService } from './policyService.ts';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('the named files’ hashes kept across agent restarts', () => {
  let dir: string;
  let store: string;
  let program: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kpt-hashes-'));
    store = join(dir, 'policy-file-hashes.json');
    program = join(dir, 'tool');
    writeFileSync(program, 'version 1\n', { mode: 0o755 });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a file whose stat identity is unchanged is not read again by the next run; a changed one is', () => {
    const first = new FileHashCache({ recheckMs: 0 });
    expect([...first.hashesOf(program)]).toEqual([sha('version 1\n')]);
    writeKnownHashes(store, first.known());
    expect(statSync(store).mode & 0o777).toBe(0o600);

    // What the next run starts from, with another hash recorded for the same identity: it is taken as is, so the file was not read.
    const recorded = readKnownHashes(store);
    const stand = sha('recorded');
    const next = new FileHashCache({ recheckMs: 0, earlier: new Map([[program, { identity: recorded.get(program)!.identity, sha256: stand }]]) });
    expect([...next.hashesOf(program)]).toEqual([stand]);

    // Changed while the agent was down: new identity (size, mtime, ctime), read again.
    writeFileSync(program, 'version 2, longer\n');
    utimesSync(program, new Date(), new Date(Date.now() + 5_000));
    const later = new FileHashCache({ recheckMs: 0, earlier: recorded });
    expect([...later.hashesOf(program)]).toEqual([sha('version 2, longer\n')]);
    expect(later.known().get(program)?.sha256).toBe(sha('version 2, longer\n'));
  });

  it('starts from nothing when the file is missing, not JSON or not a list of hashes', () => {
    expect(readKnownHashes(store).size).toBe(0);
    writeFileSync(store, '{not json');
    expect(readKnownHashes(store).size).toBe(0);
    writeFileSync(store, JSON.stringify({ [program]: { identity: '1:2:3:4:5', sha256: 'not a hash' } }));
    expect(readKnownHashes(store).size).toBe(0);
    writeFileSync(store, JSON.stringify({ 'relative/path': { identity: '1:2:3:4:5', sha256: sha('x') } }));
    expect(readKnownHashes(store).size).toBe(0);
  });

  it('forgets a file that is no longer readable', () => {
    const cache = new FileHashCache({ recheckMs: 0 });
    cache.hashesOf(program);
    expect(cache.known().has(program)).toBe(true);
    rmSync(program);
    writeFileSync(program, 'secret\n', { mode: 0o600 });
    cache.hashesOf(program);
    expect(cache.known().has(program)).toBe(false);
  });

  it('tells the same hashes of the same files from any difference: a file more or less, another identity or hash', () => {
    const one = { identity: '1:2:3:4:5', sha256: sha('one') };
    const known = new Map([[program, one]]);
    expect(sameKnownHashes(known, new Map([[program, { ...one }]]))).toBe(true);
    expect(sameKnownHashes(known, new Map())).toBe(false);
    expect(sameKnownHashes(known, new Map([[program, { ...one, identity: '1:2:3:4:6' }]]))).toBe(false);
    expect(sameKnownHashes(known, new Map([[program, { ...one, sha256: sha('two') }]]))).toBe(false);
    expect(sameKnownHashes(known, new Map([[`${program}2`, one]]))).toBe(false);
  });

  it('a restart whose named files did not change leaves the store as it was; one that hashed a changed file replaces it', () => {
    const policies = join(dir, 'policies');
    mkdirSync(policies, { mode: 0o755 });
    writeFileSync(
      join(policies, 'deny.json'),
      JSON.stringify({
        PolicyName: 'deny the tool',
        PolicyType: 'PrivilegeElevation',
        PolicyId: 'deny-tool',
        Status: 'enforce',
        UserCheck: ['*'],
        ApplicationCheck: ['col-tool'],
        Actions: { OnSuccess: { Controls: ['DENY'] } },
      }),
    );
    writeFileSync(
      join(policies, 'collections.json'),
      JSON.stringify({ Collections: [{ CollectionId: 'col-tool', Name: 'tool', Type: 'Application', Members: [{ Path: program }] }] }),
    );
    const start = () => {
      const status = new StatusService({
        facts: { version: '0', agentId: 'test', startedAt: new Date(), backend: 'embedded', logLevel: 'Critical', online: true, healthUrl: null },
        clock: systemClock,
      });
      new PolicyService({ dir: policies, status, log: createLogger('Critical'), now: () => new Date(), hashStore: store }).close();
    };
    start();
    const written = statSync(store);
    expect(readKnownHashes(store).get(program)?.sha256).toBe(sha('version 1\n'));
    start();
    const kept = statSync(store);
    expect([kept.ino, kept.mtimeMs]).toEqual([written.ino, written.mtimeMs]);
    writeFileSync(program, 'version 2, longer\n');
    start();
    expect(statSync(store).ino).not.toBe(written.ino);
    expect(readKnownHashes(store).get(program)?.sha256).toBe(sha('version 2, longer\n'));
  });
});
