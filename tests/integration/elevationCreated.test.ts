import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ElevationCreated,
  ElevationRequest,
  ElevationUpdated,
  PromptRespond,
  PromptShowNotification,
  type PromptShow,
} from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient } from '../support/agentProcess.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy } from '../support/policyFixtures.ts';

describe('elevation.created: every connection of the requester learns of a new request (real agent, real socket)', () => {
  const sandbox = policyAgentSandbox();
  let cli: AgentClient;
  let desktop: AgentClient;
  /** What each connection saw, in order; the CLI also notes when its answer arrived. */
  const cliSaw: string[] = [];
  const desktopSaw: string[] = [];
  const prompts: PromptShow[] = [];

  beforeAll(async () => {
    await sandbox.start({
      apps: { 'col-id': '/usr/bin/id', 'col-true': '/usr/bin/true' },
      policies: [appPolicy('pol-id', 'col-id', ['ALLOW']), appPolicy('pol-true', 'col-true', ['JUSTIFY'])],
    });
    cli = await connectClient(sandbox.socket, 'cli');
    desktop = await connectClient(sandbox.socket, 'desktop');
    for (const [client, saw] of [
      [cli, cliSaw],
      [desktop, desktopSaw],
    ] as const) {
      client.onNotification(ElevationCreated, (s) => saw.push(`created ${s.requestId} ${s.state}`));
      client.onNotification(ElevationUpdated, (s) => saw.push(`updated ${s.requestId} ${s.state}${s.currentControl ? ` ${s.currentControl}` : ''}`));
    }
    desktop.onNotification(PromptShowNotification, (prompt) => prompts.push(prompt));
  });

  afterAll(async () => {
    cli?.close();
    desktop?.close();
    await sandbox.dispose();
  });

  const ask = async (executable: string) => {
    const result = await cli.request(ElevationRequest, { executable, arguments: [], cwd: '/' });
    cliSaw.push(`answered ${result.requestId}`);
    return result.requestId;
  };

  it('comes once for a request decided at once, after the requester’s answer', async () => {
    const id = await ask('/usr/bin/id');
    await expect.poll(() => desktopSaw).toEqual([`created ${id} allowed`]);
    expect(cliSaw).toEqual([`answered ${id}`, `created ${id} allowed`]);
  });

  it('comes for a pending request before its first elevation.updated, on the desktop too', async () => {
    cliSaw.length = 0;
    desktopSaw.length = 0;
    const id = await ask('/usr/bin/true');
    await expect.poll(() => prompts.length).toBe(1);
    await desktop.request(PromptRespond, { promptId: prompts[0]!.promptId, response: { kind: 'justification', text: 'Checking the created notice' } });
    const expected = [`created ${id} pending`, `updated ${id} pending JUSTIFY`, `updated ${id} pending`, `updated ${id} allowed`];
    await expect.poll(() => desktopSaw).toEqual(expected);
    expect(cliSaw).toEqual([`answered ${id}`, ...expected]);
  });
});
