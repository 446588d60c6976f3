import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStatusRequest, ElevationRequest, PromptRespond, PromptShowNotification, type PromptShow } from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient, runAgent } from '../support/agentProcess.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy, settledState } from '../support/policyFixtures.ts';

const APPS = { 'col-env': '/usr/bin/env', 'col-true': '/usr/bin/true', 'col-id': '/usr/bin/id' };
const POLICIES = [
  appPolicy('pol-env', 'col-env', ['OPERATORAPPROVAL']),
  appPolicy('pol-true', 'col-true', ['JUSTIFY']),
  appPolicy('pol-id', 'col-id', ['MFA']),
];

/** Starts an agent with `config`, and asks for /usr/bin/env (OPERATORAPPROVAL) from a connection that is no desktop. */
function settingsAgent(config: Record<string, unknown>) {
  const sandbox = policyAgentSandbox();
  const prompts: PromptShow[] = [];
  let cli: AgentClient;
  let desktop: AgentClient | null = null;
  return {
    sandbox,
    prompts,
    start: async () => {
      await sandbox.start({ apps: APPS, policies: POLICIES, config });
      cli = await connectClient(sandbox.socket, 'cli');
    },
    connectDesktop: async () => {
      desktop = await connectClient(sandbox.socket, 'desktop');
      desktop.onNotification(PromptShowNotification, (p) => prompts.push(p));
      return desktop;
    },
    ask: async (executable: string) => settledState(cli, (await cli.request(ElevationRequest, { executable, arguments: [], cwd: '/' })).requestId, 10_000),
    request: (executable: string) => cli.request(ElevationRequest, { executable, arguments: [], cwd: '/' }),
    cli: () => cli,
    dispose: async () => {
      cli?.close();
      desktop?.close();
      await sandbox.dispose();
    },
  };
}

describe('operatorApproval.whenUndeliverable allow, onTimeout deny; short timeouts; justification bounds (real agent)', () => {
  const agent = settingsAgent({
    operatorApproval: { whenUndeliverable: 'allow', onTimeout: 'deny', timeoutSeconds: 1 },
    justification: { minLength: 5, maxLength: 20, timeoutSeconds: 1 },
    mfa: { sessionMinutes: 7, promptTimeoutSeconds: 2 },
    notify: { timeoutSeconds: 42 },
  });
  beforeAll(agent.start);
  afterAll(agent.dispose);

  it('allows End User Approval when no desktop can show it (the administrator chose allow)', async () => {
    expect(await agent.ask('/usr/bin/env')).toMatchObject({ state: 'allowed', passed: ['OPERATORAPPROVAL'] });
  });

  it('reports the settings in force in agent.status', async () => {
    expect((await agent.cli().request(AgentStatusRequest, undefined)).prompts).toEqual({
      justification: { minLength: 5, maxLength: 20, timeoutSeconds: 1 },
      notifyTimeoutSeconds: 42,
      operatorApproval: { timeoutSeconds: 1, onTimeout: 'deny', whenUndeliverable: 'allow' },
      mfa: { promptTimeoutSeconds: 2, sessionMinutes: 7, codeAttemptsPerPrompt: 1 },
      timeoutsFromJobs: [],
    });
  });

  it('denies End User Approval nobody answers within its configured timeout (onTimeout deny)', async () => {
    const desktop = await agent.connectDesktop();
    expect(desktop).toBeDefined();
    expect(await agent.ask('/usr/bin/env')).toMatchObject({ state: 'denied', reasonDetail: { code: 'operator-approval-expired' } });
    const shown = agent.prompts.find((p) => p.kind === 'operatorApproval')!;
    expect(Date.parse(shown.expiresAt) - Date.parse(shown.createdAt)).toBe(1000);
  });

  it('sends the configured bounds with the justification prompt, refuses answers outside them, and expires it after 1 s', async () => {
    const { requestId } = await agent.request('/usr/bin/true');
    await expect.poll(() => agent.prompts.filter((p) => p.kind === 'justification').length, { timeout: 5_000 }).toBe(1);
    const prompt = agent.prompts.find((p) => p.kind === 'justification')!;
    expect(prompt.justification).toMatchObject({ minLength: 5, maxLength: 20 });
    expect(Date.parse(prompt.expiresAt) - Date.parse(prompt.createdAt)).toBe(1000);
    const desktop = await connectClient(agent.sandbox.socket, 'desktop');
    try {
      const answer = (text: string) => desktop.request(PromptRespond, { promptId: prompt.promptId, response: { kind: 'justification', text } });
      expect(await answer('x'.repeat(21))).toMatchObject({ accepted: false, reason: 'too-long' });
      expect(await answer('abcd')).toMatchObject({ accepted: false, reason: 'too-short' });
    } finally {
      desktop.close();
    }
    expect(await settledState(agent.cli(), requestId)).toMatchObject({ state: 'denied', reasonDetail: { code: 'justification-expired' } });
  });

  it('sends the configured MFA session length and prompt timeout with the MFA prompt', async () => {
    await agent.request('/usr/bin/id');
    await expect.poll(() => agent.prompts.filter((p) => p.kind === 'mfa').length, { timeout: 5_000 }).toBe(1);
    const prompt = agent.prompts.find((p) => p.kind === 'mfa')!;
    expect(prompt.mfa).toMatchObject({ sessionMinutes: 7 });
    expect(Date.parse(prompt.expiresAt) - Date.parse(prompt.createdAt)).toBe(2000);
  });
});

describe('operatorApproval.onTimeout allow, whenUndeliverable by default deny (real agent)', () => {
  const agent = settingsAgent({ operatorApproval: { onTimeout: 'allow', timeoutSeconds: 1 } });
  beforeAll(agent.start);
  afterAll(agent.dispose);

  it('denies End User Approval when no desktop can show it', async () => {
    expect(await agent.ask('/usr/bin/env')).toMatchObject({ state: 'denied', reasonDetail: { code: 'operator-approval-undeliverable' } });
  });

  it('allows it when nobody answers in time, and reports the job-set timeouts as such', async () => {
    await agent.connectDesktop();
    expect(await agent.ask('/usr/bin/env')).toMatchObject({ state: 'allowed', passed: ['OPERATORAPPROVAL'] });
    expect((await agent.cli().request(AgentStatusRequest, undefined)).prompts).toMatchObject({
      operatorApproval: { onTimeout: 'allow', whenUndeliverable: 'deny' },
      timeoutsFromJobs: ['justification', 'acknowledge', 'mfa'],
    });
  });

  it('refuses bad prompt settings at start with exit code 2, naming the key', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ operatorApproval: { onTimeout: 'maybe' } }, 'operatorApproval.onTimeout'],
      [{ operatorApproval: { whenUndeliverable: true } }, 'operatorApproval.whenUndeliverable'],
      [{ justification: { minLength: 30, maxLength: 20 } }, 'justification.minLength'],
      [{ justification: { maxLength: 5000 } }, 'justification.maxLength'],
      [{ justification: { timeoutSeconds: 0 } }, 'justification.timeoutSeconds'],
      [{ notify: { timeoutSeconds: 'soon' } }, 'notify.timeoutSeconds'],
      [{ mfa: { sessionMinutes: 0 } }, 'mfa.sessionMinutes'],
      [{ mfa: { promptTimeoutSeconds: 1.5 } }, 'mfa.promptTimeoutSeconds'],
    ];
    for (const [config, key] of cases) {
      const bad = join(agent.sandbox.dir, 'bad.json');
      writeFileSync(bad, JSON.stringify(config));
      const { code, stderr } = await runAgent(['--config', bad, '--socket', join(agent.sandbox.dir, 'other.sock'), '--data-dir', agent.sandbox.dataDir]);
      expect({ key, code }).toEqual({ key, code: 2 });
      expect(stderr).toContain(key);
    }
  });
});
