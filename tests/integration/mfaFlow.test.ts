import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ElevationRequest,
  MfaEnrollBegin,
  MfaEnrollConfirm,
  PromptRespond,
  PromptShowNotification,
  type PromptShow,
} from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient } from '../support/agentProcess.ts';
import { issueEnrollmentCode } from '../support/enrollmentCode.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy, settledState } from '../support/policyFixtures.ts';
import { codeAt } from '../support/totp.ts';

describe('the MFA control: TOTP verified by the agent, one session per action type, no replays', () => {
  const sandbox = policyAgentSandbox();
  let client: AgentClient;
  let secret = '';
  const prompts: PromptShow[] = [];
  const nextPrompt = async (n: number) => {
    await expect.poll(() => prompts.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(n);
    return prompts[n - 1]!;
  };
  const ask = (policyType: 'PrivilegeElevation' | 'CommandLine' = 'PrivilegeElevation') =>
    client.request(ElevationRequest, { executable: '/usr/bin/true', arguments: [], cwd: '/', policyType });
  const finalState = (requestId: string) => settledState(client, requestId);

  beforeAll(async () => {
    await sandbox.start({
      apps: { 'col-true': '/usr/bin/true' },
      policies: [appPolicy('pol-mfa', 'col-true', ['MFA']), appPolicy('pol-mfa-cli', 'col-true', ['MFA'], { PolicyType: 'CommandLine' })],
    });
    client = await connectClient(sandbox.socket, 'desktop');
    client.onNotification(PromptShowNotification, (p) => prompts.push(p));
  });

  afterAll(async () => {
    client?.close();
    await sandbox.dispose();
  });

  it('tells the MFA window the user is not enrolled yet; enrollment gives a QR code and is confirmed with a code', async () => {
    const result = await ask();
    const prompt = await nextPrompt(1);
    expect(prompt).toMatchObject({ kind: 'mfa', control: 'MFA', mfa: { enrolled: false, actionType: 'PrivilegeElevation', sessionMinutes: 5 } });
    // The prompt alone never enrolls: a first setup needs the code an administrator issued.
    await expect(client.request(MfaEnrollBegin, { enrollmentCode: 'ABCD-EFGH-JKMN' })).rejects.toMatchObject({ code: -33001, data: { reason: 'invalid-enrollment-code' } });
    const enrollment = await client.request(MfaEnrollBegin, { enrollmentCode: await issueEnrollmentCode(sandbox.dataDir, 'root') });
    expect(enrollment.otpauthUri).toMatch(/^otpauth:\/\/totp\/Keeper:/);
    expect(enrollment.qrPngDataUrl).toMatch(/^data:image\/png;base64,/);
    secret = enrollment.secret;
    await expect(client.request(MfaEnrollConfirm, { enrollmentId: enrollment.enrollmentId, code: await codeAt(secret, -300) })).rejects.toMatchObject({ code: -33001 });
    expect(await client.request(MfaEnrollConfirm, { enrollmentId: enrollment.enrollmentId, code: await codeAt(secret, 0) })).toEqual({ enrolled: true });

    const wrong = await client.request(PromptRespond, { promptId: prompt.promptId, response: { kind: 'mfa', code: '000000' } });
    expect(wrong).toMatchObject({ accepted: false, reason: 'invalid', retriesLeft: 4 });
    // The code that confirmed enrollment is spent; the next time step's code is within tolerance.
    expect(await client.request(PromptRespond, { promptId: prompt.promptId, response: { kind: 'mfa', code: await codeAt(secret, 30) } })).toEqual({ accepted: true });
    expect(await finalState(result.requestId)).toMatchObject({ state: 'allowed', passed: ['MFA'] });
  });

  it('does not ask again within the 5-minute session for the same action type', async () => {
    const result = await ask();
    expect(await finalState(result.requestId)).toMatchObject({ state: 'allowed', passed: ['MFA'] });
    expect(prompts).toHaveLength(1);
  });

  it('asks again for another action type, and refuses a replayed code', async () => {
    const result = await ask('CommandLine');
    const prompt = await nextPrompt(2);
    expect(prompt.mfa).toMatchObject({ enrolled: true, actionType: 'CommandLine' });
    const replay = await client.request(PromptRespond, { promptId: prompt.promptId, response: { kind: 'mfa', code: await codeAt(secret, 30) } });
    expect(replay).toMatchObject({ accepted: false, reason: 'replayed' });
    await client.request(PromptRespond, { promptId: prompt.promptId, response: { kind: 'cancel' } });
    expect(await finalState(result.requestId)).toMatchObject({ state: 'denied', reason: 'The MFA prompt was cancelled.' });
  });
});
