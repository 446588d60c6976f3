import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAs } from '../support/asUser.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy } from '../support/policyFixtures.ts';
import { ATTACKER } from '../support/testUsers.ts';

type Settled = { state: string; reasonDetail?: { code: string } };

/** Asks for `executable` as `user` and waits (as that user) until the request is decided. */
const settledAs = (user: string, socket: string, executable: string) =>
  runAs<Settled>(
    user,
    socket,
    `const c = await connect();
     const asked = await call(c, 'elevation.request', { executable: ${JSON.stringify(executable)}, arguments: [], cwd: '/' });
     if (!asked.ok) throw new Error(asked.message);
     const requestId = asked.result.requestId;
     let status = (await call(c, 'elevation.status', { requestId })).result;
     for (let i = 0; i < 100 && status.state === 'pending'; i++) {
       await new Promise((r) => setTimeout(r, 50));
       status = (await call(c, 'elevation.status', { requestId })).result;
     }
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
