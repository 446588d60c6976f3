import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentSetLogLevel,
  ElevationExited,
  ElevationRequest,
  ElevationRun,
  MfaEnrollConfirm,
  PromptRespond,
  PromptShowNotification,
  type PromptShow,
} from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient } from '../support/agentProcess.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy, settledState } from '../support/policyFixtures.ts';

const JUSTIFICATION = 'Rotating the keys of ticket SECRET-JUSTIFICATION-7731';
const MFA_CODE = '864209';

/** The agent's JSON log lines (pino, on stderr); other output is skipped. */
function logLines(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * `agent.setLogLevel Debug` on a running agent shows one request's flow, from every service's own
 * logger (decided, prompt shown, answered, control passed, resolved, run, exit), and never a secret:
 * neither the justification text nor an MFA code reach the log.
 */
describe('debug logging traces a request and keeps its secrets (real agent, real socket)', () => {
  const sandbox = policyAgentSandbox();
  let requester: AgentClient;
  let desktop: AgentClient;
  const prompts: PromptShow[] = [];

  beforeAll(async () => {
    await sandbox.start({ apps: { 'col-true': '/usr/bin/true' }, policies: [appPolicy('pol-true', 'col-true', ['JUSTIFY'])] });
    requester = await connectClient(sandbox.socket, 'cli');
    desktop = await connectClient(sandbox.socket, 'desktop');
    desktop.onNotification(PromptShowNotification, (p) => prompts.push(p));
  });

  afterAll(async () => {
    requester?.close();
    desktop?.close();
    await sandbox.dispose();
  });

  it('shows decided, control asked, prompt shown, answered, run and exit at Debug, with no justification or MFA code', async () => {
    expect(await requester.request(AgentSetLogLevel, { level: 'Debug' })).toEqual({ level: 'Debug' });
    const exited = new Promise<number | null>((resolve) => requester.onNotification(ElevationExited, (e) => resolve(e.code)));

    const { requestId, state } = await requester.request(ElevationRequest, { executable: '/usr/bin/true', arguments: [], cwd: '/' });
    expect(state).toBe('pending');
    await expect.poll(() => prompts.length, { timeout: 5_000 }).toBe(1);
    expect(await desktop.request(PromptRespond, { promptId: prompts[0]!.promptId, response: { kind: 'justification', text: JUSTIFICATION } })).toEqual({
      accepted: true,
    });
    expect((await settledState(requester, requestId)).state).toBe('allowed');
    await requester.request(ElevationRun, { requestId });
    expect(await exited).toBe(0);
    // A code sent to the agent (here for an enrollment that does not exist) is refused and not logged.
    await expect(desktop.request(MfaEnrollConfirm, { enrollmentId: 'no-such-enrollment', code: MFA_CODE })).rejects.toBeDefined();

    const flow = [
      ['elevation', 'elevation decided'],
      ['elevation', 'control asked'],
      ['prompts', 'prompt shown'],
      ['prompts', 'prompt closed'],
      ['elevation', 'control passed'],
      ['elevation', 'elevation resolved'],
      ['runs', 'elevated program started'],
      ['runs', 'elevated program exited'],
    ] as const;
    const ofRequest = () => logLines(sandbox.agent.output()).filter((line) => line['requestId'] === requestId);
    await expect.poll(() => ofRequest().length, { timeout: 5_000 }).toBeGreaterThanOrEqual(flow.length);
    expect(ofRequest().map((line) => [line['service'], line['msg']])).toEqual(flow);
    expect(ofRequest().find((line) => line['msg'] === 'prompt closed')).toMatchObject({ outcome: 'answered', level: 20 });
    expect(ofRequest().at(-1)).toMatchObject({ exitCode: 0 });

    const output = sandbox.agent.output();
    expect(output).not.toContain('SECRET-JUSTIFICATION');
    expect(output).not.toContain(MFA_CODE);
  });
});
