import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_DIR } from '../support/agentProcess.ts';
import { auditBothThemes } from '../support/browser.ts';
import { eventually, startPromptWindowHarness, type PromptWindowHarness } from '../support/promptWindowHarness.ts';

describe('End-user approval (KeeperApproval): OPERATORAPPROVAL answered in Chromium through the web shell', () => {
  let harness: PromptWindowHarness;
  const wrapperDir = mkdtempSync(join(tmpdir(), 'kpo-'));
  // An AI agent as the kernel sees it: a process named `claude` that runs the requester (no terminal).
  const agentProgram = join(wrapperDir, 'claude');
  writeFileSync(agentProgram, '#!/bin/sh\n"$@"\n', { mode: 0o755 });
  /**
   * Asks for elevation from under `agentProgram`, claiming a milder agent than it is (the agent
   * takes the kernel's word), and stays connected until the request ends, as a requester does.
   */
  const request = () =>
    new Promise<{ requestId: string; state: string }>((resolve, reject) => {
      const params = {
        executable: '/usr/bin/env',
        arguments: ['PATH=/usr/sbin:/usr/bin', 'apt-get', 'install', 'curl'],
        cwd: '/',
        agentic: { parentProcess: '/opt/agents/bin/coding-agent', aiLikelihoodPercent: 92 },
      };
      const script = `
        const { AgentClient } = await import(${JSON.stringify(join(PROJECT_DIR, 'shared/protocol/src/node/agentClient.ts'))});
        const p = await import(${JSON.stringify(join(PROJECT_DIR, 'shared/protocol/src/common/index.ts'))});
        const c = await AgentClient.connect(${JSON.stringify(harness.socket)});
        await c.request(p.SessionHello, { protocolVersion: p.PROTOCOL_VERSION, client: { kind: 'cli', name: 'agent', version: '1' } });
        let id = null;
        c.onNotification(p.ElevationUpdated, (u) => { if (u.requestId === id && u.state !== 'pending') c.close(); });
        const r = await c.request(p.ElevationRequest, ${JSON.stringify(params)});
        id = r.requestId;
        console.log(JSON.stringify({ requestId: r.requestId, state: r.state }));
        if (r.state !== 'pending') c.close();`;
      const child = spawn(agentProgram, [process.execPath, '--input-type=module', '-e', script], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!) as { requestId: string; state: string });
      });
      child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.once('exit', () => reject(new Error(`the requester under ${agentProgram} ended: ${out}`)));
    });
  const openPrompt = async () => {
    const page = await harness.openWindow();
    await page.getByRole('button', { name: 'Deny' }).waitFor();
    return page;
  };
  const focused = (page: Awaited<ReturnType<typeof openPrompt>>) => page.evaluate(() => document.activeElement?.textContent);

  beforeAll(async () => {
    harness = await startPromptWindowHarness({
      window: 'keeper-approval',
      viewport: { width: 560, height: 640 },
      files: {
        'collections.json': { Collections: [{ CollectionId: 'col-env', Type: 'Application', Members: [{ Path: '/usr/bin/env' }] }] },
        'agents.json': {
          PolicyName: 'AI agents ask the user first',
          PolicyId: 'pol-agents',
          PolicyType: 'PrivilegeElevation',
          Status: 'enforce',
          ApplicationCheck: ['col-env'],
          Actions: { OnSuccess: { Controls: ['OPERATORAPPROVAL'] } },
        },
      },
    });
  });

  afterAll(async () => {
    await harness?.stop();
    rmSync(wrapperDir, { recursive: true, force: true });
  });

  it('says which agent wants to run what, with Deny focused first; Approve allows the request', async () => {
    const result = await request();
    expect(result.state).toBe('pending');
    const page = await openPrompt();
    // What the kernel says: the agent's process and likelihood, not what the request claimed.
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toBe('claude wants to run env with administrator rights');
    expect(await page.getByTestId('agent-process').textContent()).toBe(agentProgram);
    expect(await page.getByTestId('ai-likelihood').textContent()).toBe('100%');
    expect(await page.getByTestId('subject-command').textContent()).toBe('/usr/bin/env PATH=/usr/sbin:/usr/bin apt-get install curl');
    expect(await page.getByText('AI agents ask the user first').count()).toBe(1);
    expect(await page.getByTestId('on-timeout').textContent()).toBe('If you do not answer before the time runs out, the action is denied.');
    expect(await page.getByTestId('expires-in').textContent()).toMatch(/^Expires in [12]:\d\d$/);
    expect(await focused(page)).toBe('Deny');
    expect(await auditBothThemes(page, 'keeper-approval')).toEqual([]);

    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('Approve');
    await page.keyboard.press('Enter');
    await eventually(() => page.getByTestId('nothing-pending').textContent()).toBe('Your answer was sent. You can close this window.');
    expect(await harness.finalState(result.requestId)).toMatchObject({ state: 'allowed', passed: ['OPERATORAPPROVAL'] });
  });

  it('Deny (the focused default, so Enter) denies: keeper-elevate exits 1 with the agent’s reason', async () => {
    const run = harness.elevate(['env']);
    const page = await openPrompt();
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toBe('env wants administrator rights');
    expect(await page.getByTestId('agent-process').count()).toBe(0);
    expect(await page.getByTestId('ai-likelihood').count()).toBe(0);
    await page.keyboard.press('Enter');
    const outcome = await run;
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toBe('');
    expect(outcome.stderr).toContain('keeper-elevate: denied: The user at the endpoint denied the action.\n');
  });

  it('Escape cancels, and the fail-mode denies', async () => {
    const result = await request();
    const page = await openPrompt();
    await page.keyboard.press('Escape');
    expect(await harness.finalState(result.requestId)).toMatchObject({
      state: 'denied',
      reason: 'The approval prompt was cancelled. The fail-mode denies the action.',
    });
  });
});
