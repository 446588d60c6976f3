import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentParentScript } from '../support/agentShapedProcess.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy, policy } from '../support/policyFixtures.ts';
import { startRequester } from '../support/requesterProcess.ts';

/**
 * Attack: an AI agent running as a person rides that person's elevated session. keeper-alice opens
 * an elevated session for /usr/bin/true by hand (a justification, `ElevatedSession`); an agent she
 * runs then asks for the same program. An elevated session stands in for the prompts of the user's
 * own policies, so without the defence the agent's request passed at once, skipping the End User
 * Approval the Agentic Privilege Elevation policy asks of AI agents (docs/policy-semantics.md 5.4).
 * Played by the real user keeper-alice, with a real process tree shaped like Aider.
 */
const PROMPT_SECONDS = 120;

describe('an AI agent cannot ride its user’s elevated session past an agentic policy', () => {
  const sandbox = policyAgentSandbox();

  beforeAll(async () => {
    sandbox.desktopSessions.add({ user: 'keeper-alice' });
    await sandbox.start({
      apps: { 'col-true': '/usr/bin/true' },
      policies: [
        appPolicy('session-true', 'col-true', ['JUSTIFY'], { Extension: { ElevatedSession: 30 } }),
        policy('agents-ask', ['OPERATORAPPROVAL'], { PolicyType: 'AgenticPrivilegeElevation', Extension: { minAiLikelihoodPercent: 50 } }),
      ],
      // Nobody answers the agent's End User Approval here: it times out, denied. The case skips the
      // agent's clock past the timeout (--time-skip) once the agent logs the prompt shown (Debug).
      config: { operatorApproval: { timeoutSeconds: PROMPT_SECONDS, onTimeout: 'deny' } },
      extra: ['--time-skip', '--log-level', 'Debug'],
      openToOtherUsers: true,
    });
  });

  afterAll(() => sandbox.dispose());

  it('by hand the session spares the prompts; from under the agent the agentic prompt is still asked', async () => {
    const first = startRequester(sandbox.socket, 'keeper-alice', '/usr/bin/true', 'Opening a session for the build');
    expect(await first.outcome).toMatchObject({ state: 'allowed' });
    const again = startRequester(sandbox.socket, 'keeper-alice', '/usr/bin/true', 'never asked');
    expect(await again.outcome).toMatchObject({
      state: 'allowed',
      reason: expect.stringMatching(/^Elevated session from policy "Policy session-true" is valid until /) as unknown,
    });

    const agent = startRequester(sandbox.socket, 'keeper-alice', '/usr/bin/true', 'never asked', {
      via: agentParentScript(join(sandbox.dir, 'agents'), 'aider'),
    });
    await expect
      .poll(() =>
        sandbox.agent
          .output()
          .split('\n')
          .some((line) => line.includes('"kind":"operatorApproval"') && line.includes('"msg":"prompt shown"')),
      )
      .toBe(true);
    await sandbox.agent.skipTime(PROMPT_SECONDS * 1000);
    expect(await agent.outcome).toMatchObject({ state: 'denied', reason: 'The approval prompt was not answered in time. The fail-mode denies the action.' });
  });
});
