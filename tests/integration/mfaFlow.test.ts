import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
import { connectClient, runAgent } from '../support/agentProcess.ts';
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
    await expect(client.request(MfaEnrollBegin, { enrollmentCode: 'ABCD-EFGH-JKMN' })).rejects.toMatchObject({
      code: -33001,
      data: { reason: 'invalid-enrollment-code' },
    });
    const enrollment = await client.request(MfaEnrollBegin, { enrollmentCode: await issueEnrollmentCode(sandbox.dataDir, 'root') });
    expect(enrollment.otpauthUri).toMatch(/^otpauth:\/\/totp\/Keeper:/);
    expect(enrollment.qrPngDataUrl).toMatch(/^data:image\/png;base64,/);
    secret = enrollment.secret;
    await expect(client.request(MfaEnrollConfirm, { enrollmentId: enrollment.enrollmentId, code: await codeAt(secret, -300) })).rejects.toMatchObject({
      code: -33001,
    });
    expect(await client.request(MfaEnrollConfirm, { enrollmentId: enrollment.enrollmentId, code: await codeAt(secret, 0) })).toEqual({ enrolled: true });

    // By default a wrong code ends the request (the seed: an invalid code blocks the action); the lockout counts on.
    const wrong = await client.request(PromptRespond, { promptId: prompt.promptId, response: { kind: 'mfa', code: '000000' } });
    expect(wrong).toMatchObject({ accepted: false, reason: 'invalid', retriesLeft: 4 });
    expect(await finalState(result.requestId)).toMatchObject({
      state: 'denied',
      reason: 'The MFA code was not valid, so the action is blocked. Ask again to enter a new code.',
      reasonDetail: { code: 'mfa-code-invalid', values: {} },
    });
    await expect(client.request(PromptRespond, { promptId: prompt.promptId, response: { kind: 'mfa', code: await codeAt(secret, 30) } })).rejects.toMatchObject(
      { code: -33003 },
    );

    // Asking again opens a new prompt. The code that confirmed enrollment is spent; the next time step's code is within tolerance.
    const again = await ask();
    const second = await nextPrompt(2);
    expect(await client.request(PromptRespond, { promptId: second.promptId, response: { kind: 'mfa', code: await codeAt(secret, 30) } })).toEqual({
      accepted: true,
    });
    expect(await finalState(again.requestId)).toMatchObject({ state: 'allowed', passed: ['MFA'] });
  });

  it('does not ask again within the 5-minute session for the same action type', async () => {
    const result = await ask();
    expect(await finalState(result.requestId)).toMatchObject({ state: 'allowed', passed: ['MFA'] });
    expect(prompts).toHaveLength(2);
  });

  it('asks again for another action type, and a replayed code ends the request', async () => {
    const result = await ask('CommandLine');
    const prompt = await nextPrompt(3);
    expect(prompt.mfa).toMatchObject({ enrolled: true, actionType: 'CommandLine' });
    const replay = await client.request(PromptRespond, { promptId: prompt.promptId, response: { kind: 'mfa', code: await codeAt(secret, 30) } });
    expect(replay).toMatchObject({ accepted: false, reason: 'replayed' });
    expect(await finalState(result.requestId)).toMatchObject({ state: 'denied', reasonDetail: { code: 'mfa-code-replayed', values: {} } });
  });
});

describe('mfa.codeAttemptsPerPrompt in the agent config: more codes per prompt, the lockout unchanged', () => {
  const sandbox = policyAgentSandbox();
  let client: AgentClient;
  const prompts: PromptShow[] = [];

  beforeAll(async () => {
    await sandbox.start({
      apps: { 'col-true': '/usr/bin/true' },
      policies: [appPolicy('pol-mfa', 'col-true', ['MFA'])],
      config: { mfa: { codeAttemptsPerPrompt: 3 } },
    });
    client = await connectClient(sandbox.socket, 'desktop');
    client.onNotification(PromptShowNotification, (p) => prompts.push(p));
    const enrollment = await client.request(MfaEnrollBegin, { enrollmentCode: await issueEnrollmentCode(sandbox.dataDir, 'root') });
    await client.request(MfaEnrollConfirm, { enrollmentId: enrollment.enrollmentId, code: await codeAt(enrollment.secret, 0) });
  });

  afterAll(async () => {
    client?.close();
    await sandbox.dispose();
  });

  it('keeps the prompt open for the configured attempts, then ends the request; the lockout counts across prompts', async () => {
    const first = await client.request(ElevationRequest, { executable: '/usr/bin/true', arguments: [], cwd: '/' });
    await expect.poll(() => prompts.length, { timeout: 5_000 }).toBe(1);
    const wrong = (promptId: string) => client.request(PromptRespond, { promptId, response: { kind: 'mfa', code: '000000' } });
    expect(await wrong(prompts[0]!.promptId)).toMatchObject({ accepted: false, reason: 'invalid', retriesLeft: 4 });
    expect(await wrong(prompts[0]!.promptId)).toMatchObject({ accepted: false, reason: 'invalid', retriesLeft: 3 });
    expect(await wrong(prompts[0]!.promptId)).toMatchObject({ accepted: false, reason: 'invalid', retriesLeft: 2 });
    expect(await settledState(client, first.requestId)).toMatchObject({ state: 'denied', reasonDetail: { code: 'mfa-code-invalid', values: {} } });

    const second = await client.request(ElevationRequest, { executable: '/usr/bin/true', arguments: [], cwd: '/' });
    await expect.poll(() => prompts.length, { timeout: 5_000 }).toBe(2);
    expect(await wrong(prompts[1]!.promptId)).toMatchObject({ accepted: false, reason: 'invalid', retriesLeft: 1 });
    expect(await wrong(prompts[1]!.promptId)).toMatchObject({ accepted: false, reason: 'locked', retriesLeft: 0 });
    // Locked out, a code is refused without being checked; it still spends an attempt of the prompt.
    expect(await wrong(prompts[1]!.promptId)).toMatchObject({ accepted: false, reason: 'locked' });
    expect(await settledState(client, second.requestId)).toMatchObject({ state: 'denied', reasonDetail: { code: 'mfa-locked', values: {} } });
  });

  it('refuses an invalid mfa section in the config file, naming it', async () => {
    const bad = join(sandbox.dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ mfa: { codeAttemptsPerPrompt: 0 } }));
    const { code, stderr } = await runAgent(['--config', bad, '--socket', join(sandbox.dir, 'other.sock'), '--data-dir', sandbox.dataDir]);
    expect(code).toBe(2);
    expect(stderr).toContain('mfa.codeAttemptsPerPrompt');
  });
});
