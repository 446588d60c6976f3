import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAs } from '../support/asUser.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy } from '../support/policyFixtures.ts';
import { ATTACKER } from '../support/testUsers.ts';

type Settled = { state: string; reasonDetail?: { code: string } };

/**
 * Asks for `executable` as `user` and reports (as that user) the request's status once decided: the
 * agent pushes each change to the requester's connections, possibly before the request's own answer.
 */
const settledAs = (user: string, socket: string, executable: string) =>
  runAs<Settled>(
    user,
    socket,
    `const c = await connect();
     const decided = new Map();
     let settle = () => {};
     c.onNotification(p.ElevationUpdated, (status) => {
       if (status.state === 'pending') return;
       decided.set(status.requestId, status);
       settle();
     });
     const asked = await call(c, 'elevation.request', { executable: ${JSON.stringify(executable)}, arguments: [], cwd: '/' });
     if (!asked.ok) throw new Error(asked.message);
     const requestId = asked.result.requestId;
     const status =
       asked.result.state !== 'pending'
         ? (await call(c, 'elevation.status', { requestId })).result
         : (decided.get(requestId) ?? (await new Promise((resolve) => (settle = () => decided.has(requestId) && resolve(decided.get(requestId))))));
     console.log(JSON.stringify(status));
     c.close();`,
  );

/**
 * Attack: End User Approval is the only control on a program, and the administrator allowed it on
 * timeout (`operatorApproval.onTimeout: allow`) for people who step away from their desk. An account
 * with no desktop session at all (`nobody`) asks: its prompt can never be shown. Were "undeliverable"
 * read as a timeout, the action would run for an account nobody could ever have asked. It is its own
 * fail-mode (`whenUndeliverable`, default deny). Played by `nobody` against the real agent.
 */
describe('End User Approval allowed on timeout still denies an account no desktop can ask', () => {
  const sandbox = policyAgentSandbox();

  beforeAll(async () => {
    await sandbox.start({
      apps: { 'col-env': '/usr/bin/env' },
      policies: [appPolicy('pol-env', 'col-env', ['OPERATORAPPROVAL'])],
      config: { operatorApproval: { onTimeout: 'allow', timeoutSeconds: 1 } },
      openToOtherUsers: true,
    });
  });

  afterAll(() => sandbox.dispose());

  it('nobody, without a desktop session, is denied (whenUndeliverable defaults to deny)', async () => {
    expect(await settledAs(ATTACKER, sandbox.socket, '/usr/bin/env')).toMatchObject({
      state: 'denied',
      reasonDetail: { code: 'operator-approval-undeliverable' },
    });
  });
});
