import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElevationRequest, PolicyExplain } from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient } from '../support/agentProcess.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { policy } from '../support/policyFixtures.ts';

describe('policy.explain against the real agent', () => {
  const sandbox = policyAgentSandbox();
  let client: AgentClient;
  const params = (executable: string, args: string[] = []) => ({ executable, arguments: args, cwd: '/' });
  const requestCount = () => {
    const db = new Database(join(sandbox.dataDir, 'agent.db'), { readonly: true });
    const { n } = db.prepare('SELECT count(*) AS n FROM elevation_requests').get() as { n: number };
    db.close();
    return n;
  };

  beforeAll(async () => {
    await sandbox.start({
      files: {
        'collections.json': {
          Collections: [
            { CollectionId: 'col-id', Name: 'Identity tools', Type: 'Application', Members: [{ Path: '/usr/bin/id' }] },
            { CollectionId: 'col-true', Type: 'Application', Members: [{ Path: '/usr/bin/tr*' }] },
            { CollectionId: 'col-whoami', Type: 'Application', Members: [{ Path: '/usr/bin/whoami' }] },
            { CollectionId: 'col-env', Type: 'Application', Members: [{ Path: '/usr/bin/env' }] },
            { CollectionId: 'col-me', Name: 'Me', Type: 'User', Members: [{ Uid: process.getuid!() }] },
            { CollectionId: 'col-nobody', Name: 'Nobody', Type: 'User', Members: [{ Name: 'nobody' }] },
          ],
        },
        'policies.json': [
          policy('pol-id', ['ALLOW', 'AUDIT'], { PolicyName: 'Allow id', ApplicationCheck: ['col-id'], UserCheck: ['col-me'] }),
          policy('pol-id-nobody', ['DENY'], { ApplicationCheck: ['col-id'], UserCheck: ['col-nobody'] }),
          policy('pol-id-2000', ['DENY'], { ApplicationCheck: ['col-id'], DateCheck: [{ StartDate: '2000-01-01', EndDate: '2000-01-02' }] }),
          policy('pol-true', ['JUSTIFY', 'MFA'], { ApplicationCheck: ['col-true'] }),
          policy('pol-true-monitor', ['DENY'], { ApplicationCheck: ['col-true'], Status: 'monitor' }),
          policy('pol-whoami', ['JUSTIFY', 'APPROVAL'], { ApplicationCheck: ['col-whoami'] }),
          policy('pol-env', ['DENY'], {
            ApplicationCheck: ['col-env'],
            NotificationMessage: 'env is not allowed here.',
            Extension: { AllowCommands: ['/usr/bin/env -i*'] },
          }),
          policy('pol-off', ['DENY'], { ApplicationCheck: ['col-id'], Status: 'off' }),
        ],
      },
    });
    client = await connectClient(sandbox.socket);
  });

  afterAll(async () => {
    client?.close();
    await sandbox.dispose();
  });

  it.each([
    ['allow', '/usr/bin/id', ['-u']],
    ['controls in precedence order, with a monitor finding', '/usr/bin/true', []],
    ['approval that carries the justification', '/usr/bin/whoami', []],
    ['deny through AllowCommands', '/usr/bin/env', ['-i', 'ls']],
    ['the default deny when AllowCommands does not match', '/usr/bin/env', ['ls']],
  ])('previews exactly the decision elevation.request makes: %s', async (_name, executable, args) => {
    const preview = await client.request(PolicyExplain, params(executable, args));
    const real = await client.request(ElevationRequest, params(executable, args));
    expect(preview.decision).toEqual(real.decision);
    expect(preview.application).toEqual(real.application);
  });

  it('says for each policy which checks passed and which one failed, matched policies first', async () => {
    const { decision, policies } = await client.request(PolicyExplain, params('/usr/bin/id', ['-u']));
    expect(decision).toMatchObject({ outcome: 'allow', deciding: ['pol-id'] });
    expect(policies.map((p) => [p.policyId, p.matched])).toEqual([
      ['pol-id', true],
      ['pol-id-nobody', false],
      ['pol-id-2000', false],
      ['pol-true', false],
      ['pol-true-monitor', false],
      ['pol-whoami', false],
      ['pol-env', false],
    ]);
    const byId = new Map(policies.map((p) => [p.policyId, p]));
    expect(byId.get('pol-id')!.checks).toEqual([
      { check: 'UserCheck', passed: true, required: ['Me'], actual: 'root' },
      { check: 'ApplicationCheck', passed: true, required: ['Identity tools'], actual: '/usr/bin/id' },
    ]);
    expect(byId.get('pol-id-nobody')!.checks[0]).toEqual({ check: 'UserCheck', passed: false, required: ['Nobody'], actual: 'root' });
    expect(byId.get('pol-id-2000')!.checks).toContainEqual(
      expect.objectContaining({
        check: 'DateCheck',
        passed: false,
        required: ['2000-01-01/2000-01-02'],
        actual: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) as unknown,
      }),
    );
    expect(byId.get('pol-env')!.checks).toContainEqual({ check: 'AllowCommands', passed: false, required: ['/usr/bin/env -i*'], actual: '/usr/bin/id -u' });
    expect(byId.has('pol-off')).toBe(false);
  });

  it('asks nothing and stores nothing', async () => {
    const before = requestCount();
    await client.request(PolicyExplain, params('/usr/bin/whoami'));
    await client.request(PolicyExplain, params('/usr/bin/true'));
    expect(requestCount()).toBe(before);
  });

  it('refuses a relative path or a missing file with the same errors as a request', async () => {
    await expect(client.request(PolicyExplain, params('id'))).rejects.toMatchObject({ code: -32602 });
    await expect(client.request(PolicyExplain, params('/nonexistent/tool'))).rejects.toMatchObject({
      code: -33002,
      message: '/nonexistent/tool is not a readable file',
    });
  });
});
