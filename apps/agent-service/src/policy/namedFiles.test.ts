import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { policyBuilder } from '../../../../tests/support/keeperPolicy.ts';
import { PolicySet } from './evaluate.ts';
import { FileHashCache, hashRegularFile } from './fileHashCache.ts';
import { pathMemberForms } from './namedFiles.ts';
import type { Collection } from './policySchema.ts';
import type { EvaluationRequest } from './request.ts';

const policy = policyBuilder('n', 'named');
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function request(path: string, sha256: string | null = null): EvaluationRequest {
  return {
    policyType: 'PrivilegeElevation',
    user: { uid: 1000, name: 'ana', groups: ['ana'], home: '/home/ana' },
    machine: { name: 'lap-17' },
    application: { path, sha256, signer: null, commandLine: path, arguments: [] },
    agentic: null,
    at: new Date(2026, 10, 23, 10, 30),
  };
}

describe('canonical paths and named-file hashes (docs/policy-semantics.md, 3.1)', () => {
  let dir: string;
  beforeEach(() => {
    // Resolved, so the expectations name the same folder the agent resolves to.
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'kp-named-')));
    mkdirSync(join(dir, 'usr/bin'), { recursive: true });
    symlinkSync('usr/bin', join(dir, 'bin'));
    writeFileSync(join(dir, 'usr/bin/shell'), '#!/bin/sh\necho shell\n');
    writeFileSync(join(dir, 'usr/bin/other'), '#!/bin/sh\necho other\n');
    symlinkSync('shell', join(dir, 'usr/bin/sh'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a Path member also stands in its canonical forms: normalised, folder or file resolved through symlinks', () => {
    expect(pathMemberForms(`${dir}/bin/shell`, 'linux')).toEqual([`${dir}/bin/shell`, `${dir}/usr/bin/shell`]);
    expect(pathMemberForms(`${dir}//bin/./sh`, 'linux')).toEqual([`${dir}//bin/./sh`, `${dir}/bin/sh`, `${dir}/usr/bin/shell`]);
    expect(pathMemberForms(`${dir}/bin/*sh*`, 'linux')).toEqual([`${dir}/bin/*sh*`, `${dir}/usr/bin/*sh*`]);
    expect(pathMemberForms('{userprofile}/bin/x', 'linux')).toEqual(['{userprofile}/bin/x']);
    expect(pathMemberForms('C:\\Tools\\x.exe', 'win32')).toEqual(['C:\\Tools\\x.exe']);
  });

  it('matches canonical request paths against members written through a symlinked folder, and normalises request paths', () => {
    const collections: Collection[] = [{ CollectionId: 'col-sh', Type: 'Application', Members: [{ Path: `${dir}/bin/shell` }, { Path: `${dir}/bin/oth*` }] }];
    const set = new PolicySet([policy(['DENY'], { ApplicationCheck: ['col-sh'] }), policy(['ALLOW'])], collections, 'linux');
    const outcome = (path: string) => set.evaluate(request(path), { defaultOutcome: 'deny' }).outcome;
    expect(outcome(`${dir}/usr/bin/shell`)).toBe('deny');
    expect(outcome(`${dir}/usr//bin/./shell`)).toBe('deny');
    expect(outcome(`${dir}/usr/bin/other`)).toBe('deny');
    expect(outcome(`${dir}/usr/bin/x/../other`)).toBe('deny');
    expect(outcome(`${dir}/usr/bin/new`)).toBe('allow');
  });

  it('a copy of a file a DENY names is denied by its SHA-256, also under a broader, more specific ALLOW', () => {
    const copy = join(dir, 'home-copy');
    copyFileSync(join(dir, 'usr/bin/shell'), copy);
    const collections: Collection[] = [
      { CollectionId: 'col-sh', Type: 'Application', Members: [{ Path: `${dir}/bin/sh` }] },
      { CollectionId: 'col-home', Type: 'Application', Members: [{ Path: `${dir}/home-*` }] },
      { CollectionId: 'col-ana', Type: 'User', Members: [{ Name: 'ana' }] },
    ];
    const policies = [policy(['DENY'], { ApplicationCheck: ['col-sh'] }), policy(['ALLOW'], { UserCheck: ['col-ana'], ApplicationCheck: ['col-home'] })];
    const hashed = new PolicySet(policies, collections, 'linux', { hashes: new FileHashCache({ recheckMs: 0 }) });
    const decision = hashed.evaluate(request(copy, sha(copy)), { defaultOutcome: 'deny' });
    expect(decision).toMatchObject({ outcome: 'deny', deciding: [policies[0]!.PolicyId] });
    // Without named-file hashing (the engine's unit-test default) the copy slips through: what the agent no longer does.
    expect(new PolicySet(policies, collections, 'linux').evaluate(request(copy, sha(copy)), { defaultOutcome: 'deny' }).outcome).toBe('allow');
  });

  it('re-hashes a named file when its stat identity changes, keeps its earlier hashes, and lists a named folder again when it changes', () => {
    const collections: Collection[] = [
      { CollectionId: 'col-sh', Type: 'Application', Members: [{ Path: `${dir}/usr/bin/shell` }, { Path: `${dir}/bin/ne*` }] },
    ];
    const set = new PolicySet([policy(['DENY'], { ApplicationCheck: ['col-sh'] }), policy(['ALLOW'])], collections, 'linux', {
      hashes: new FileHashCache({ recheckMs: 0 }),
    });
    const outcome = (hash: string) => set.evaluate(request(join(dir, 'elsewhere'), hash), { defaultOutcome: 'deny' }).outcome;
    const before = sha(join(dir, 'usr/bin/shell'));
    expect(outcome(before)).toBe('deny');
    // An upgrade writes a new version: same path, new content.
    writeFileSync(join(dir, 'usr/bin/shell'), '#!/bin/sh\necho shell 2\n');
    utimesSync(join(dir, 'usr/bin/shell'), new Date(), new Date(Date.now() + 5_000));
    expect(outcome(sha(join(dir, 'usr/bin/shell')))).toBe('deny');
    expect(outcome(before)).toBe('deny');
    // A program installed after the load under a named pattern.
    writeFileSync(join(dir, 'usr/bin/newshell'), '#!/bin/sh\necho new\n');
    expect(outcome(sha(join(dir, 'usr/bin/newshell')))).toBe('deny');
    expect(outcome(sha(join(dir, 'usr/bin/other')))).toBe('allow');
  });

  it('looks at the named files again at most once per recheck interval', () => {
    const collections: Collection[] = [{ CollectionId: 'col-sh', Type: 'Application', Members: [{ Path: `${dir}/usr/bin/shell` }] }];
    const set = new PolicySet([policy(['DENY'], { ApplicationCheck: ['col-sh'] }), policy(['ALLOW'])], collections, 'linux', {
      hashes: new FileHashCache({ recheckMs: 60_000 }),
    });
    writeFileSync(join(dir, 'usr/bin/shell'), '#!/bin/sh\necho changed within the interval\n');
    utimesSync(join(dir, 'usr/bin/shell'), new Date(), new Date(Date.now() + 5_000));
    expect(set.evaluate(request(join(dir, 'elsewhere'), sha(join(dir, 'usr/bin/shell'))), { defaultOutcome: 'deny' }).outcome).toBe('allow');
  });

  it('reads named files without following a final symlink, never blocks on a FIFO, and hashes only files everyone may read', () => {
    expect(hashRegularFile(join(dir, 'usr/bin/sh'))).toBeNull();
    expect(hashRegularFile(join(dir, 'usr/bin/shell'))?.sha256).toBe(sha(join(dir, 'usr/bin/shell')));
    expect(spawnSync('mkfifo', [join(dir, 'usr/bin/fifo')]).status).toBe(0);
    expect(hashRegularFile(join(dir, 'usr/bin/fifo'))).toBeNull();
    // A file not everyone may read is never hashed: a named path must not become an oracle for its content.
    writeFileSync(join(dir, 'usr/bin/secret'), 'only root reads this', { mode: 0o600 });
    expect(hashRegularFile(join(dir, 'usr/bin/secret'))).toBeNull();
    const collections: Collection[] = [
      { CollectionId: 'col-sh', Type: 'Application', Members: [{ Path: `${dir}/usr/bin/fifo` }, { Path: `${dir}/usr/bin/f*` }] },
    ];
    const set = new PolicySet([policy(['DENY'], { ApplicationCheck: ['col-sh'] })], collections, 'linux', { hashes: new FileHashCache({ recheckMs: 0 }) });
    expect(set.evaluate(request('/x', 'b'.repeat(64)), { defaultOutcome: 'allow' }).outcome).toBe('allow');
  });
});
