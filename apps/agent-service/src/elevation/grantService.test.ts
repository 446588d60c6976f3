import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualScheduler } from '../../../../tests/support/manualScheduler.ts';
import { AuditLog } from '../audit/auditLog.ts';
import { loadPolicyDirectory } from '../policy/policyLoader.ts';
import type { KeeperPolicy } from '../policy/policySchema.ts';
import { openAgentDatabase, type AgentDatabase } from '../store/database.ts';
import { GrantService, GrantSettings } from './grantService.ts';

const scope = { uid: 1000, executable: '/usr/bin/id', sha256: 'ab'.repeat(32), runAs: { uid: 0, name: 'root' }, cwd: '/home/ana' };
const withSession = (value: unknown) => ({ Extension: { ElevatedSession: value } }) as unknown as KeeperPolicy;

describe('elevated-session grants (GrantService)', () => {
  const dirs: string[] = [];
  const dbs: AgentDatabase[] = [];
  afterEach(() => {
    for (const db of dbs.splice(0)) db.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const setup = () => {
    const dir = mkdtempSync(join(tmpdir(), 'kp-grants-'));
    dirs.push(dir);
    const db = openAgentDatabase(dir);
    dbs.push(db);
    const scheduler = new ManualScheduler(Date.parse('2026-11-23T10:00:00Z'));
    const audit = new AuditLog({ db });
    const grants = new GrantService({ db, clock: { now: () => new Date(scheduler.now) }, scheduler, audit, settings: GrantSettings.parse({}) });
    const events = () =>
      (db.prepare("SELECT type FROM audit_events WHERE type LIKE 'grant.%' ORDER BY seq").all() as Array<{ type: string }>).map((e) => e.type);
    return { db, scheduler, grants, events };
  };

  it('reads the Extension: true is the configured length (240 minutes by default), a number is minutes, none grants nothing', () => {
    const { grants } = setup();
    expect(grants.sessionMinutes(withSession(true))).toBe(240);
    expect(grants.sessionMinutes(withSession(15))).toBe(15);
    expect(grants.sessionMinutes({} as KeeperPolicy)).toBeNull();
  });

  it('a policy file with an invalid ElevatedSession is rejected at load with its JSON path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kp-grant-policies-'));
    dirs.push(dir);
    const policy = (id: string, value: unknown) => ({
      PolicyName: id,
      PolicyId: id,
      PolicyType: 'PrivilegeElevation',
      Status: 'enforce',
      Actions: { OnSuccess: { Controls: ['JUSTIFY'] } },
      Extension: { ElevatedSession: value },
    });
    writeFileSync(join(dir, 'good.json'), JSON.stringify([policy('a', true), policy('b', 30)]));
    for (const [i, invalid] of [false, 0, -1, '240', 100_000, null].entries())
      writeFileSync(join(dir, `bad-${i}.json`), JSON.stringify(policy(`bad-${i}`, invalid)));
    const load = loadPolicyDirectory(dir);
    expect(load.policies.map((p) => p.PolicyId)).toEqual(['a', 'b']);
    expect(load.errors.map((e) => [e.file, e.path])).toEqual([0, 1, 2, 3, 4, 5].map((i) => [`bad-${i}.json`, 'Extension.ElevatedSession']));
  });

  it('a default grant is valid for 240 minutes, then expires (audited) and no longer matches', () => {
    const { scheduler, grants, events } = setup();
    const grant = grants.create(scope, { id: 'pol-a', name: 'A' }, grants.sessionMinutes(withSession(true))!, 'req-1');
    expect(grants.find(scope, ['pol-b'])).toBeNull();
    expect(grants.find({ ...scope, sha256: 'cd'.repeat(32) }, ['pol-a'])).toBeNull();
    expect(grants.find({ ...scope, cwd: '/tmp' }, ['pol-a'])).toBeNull();
    scheduler.advance(240 * 60_000 - 1);
    expect(grants.find(scope, ['pol-a'])?.grantId).toBe(grant.grantId);
    expect(grants.use(grant.grantId, 'req-2', 1000)).toBe(true);
    scheduler.advance(1);
    expect(grants.find(scope, ['pol-a'])).toBeNull();
    expect(grants.use(grant.grantId, 'req-3', 1000)).toBe(false);
    expect(grants.list(1000, true)).toMatchObject([{ grantId: grant.grantId, state: 'expired', uses: 1, endedAt: '2026-11-23T14:00:00.000Z' }]);
    expect(grants.list(1000, false)).toEqual([]);
    expect(events()).toEqual(['grant.created', 'grant.used', 'grant.expired']);
  });

  it('re-arms expiry after a restart, and an overdue grant expires at once', () => {
    const { db, scheduler, grants, events } = setup();
    grants.create(scope, { id: 'pol-a', name: 'A' }, 10, 'req-1');
    grants.stop();
    scheduler.advance(11 * 60_000);
    expect(events()).toEqual(['grant.created']);
    const restarted = new GrantService({
      db,
      clock: { now: () => new Date(scheduler.now) },
      scheduler,
      audit: new AuditLog({ db }),
      settings: GrantSettings.parse({}),
    });
    restarted.resume();
    scheduler.advance(0);
    expect(events()).toEqual(['grant.created', 'grant.expired']);
  });
});
