import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_DIR } from '../support/agentProcess.ts';
import { agentShapes, type AgentShape } from '../support/agentShapedProcess.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy, policy } from '../support/policyFixtures.ts';
import { ATTACKER } from '../support/testUsers.ts';

interface Signature {
  agent: string;
  names: string[];
  aiLikelihoodPercent: number;
}
const SHIPPED = (JSON.parse(readFileSync(join(PROJECT_DIR, 'resources/agentic/agentSignatures.json'), 'utf8')) as { signatures: Signature[] }).signatures;

/** How each agent is started in real life: its own program, or a script under node/python, and a typical command line. */
const LAUNCH: Record<string, { shape: AgentShape; argv: string[] }> = {
  claude: { shape: 'interpreted', argv: ['--print', 'install htop and check it runs'] },
  codex: { shape: 'interpreted', argv: ['exec', '--full-auto', 'fix the build'] },
  'cursor-agent': { shape: 'program', argv: ['-p', 'refactor the parser'] },
  copilot: { shape: 'interpreted', argv: ['--allow-all-tools', '-p', 'update the packages'] },
  aider: { shape: 'interpreted', argv: ['--yes-always', '--message', 'add tests'] },
  gemini: { shape: 'interpreted', argv: ['--yolo', '-p', 'set up the dev box'] },
  goose: { shape: 'program', argv: ['run', '-t', 'install the toolchain'] },
  interpreter: { shape: 'interpreted', argv: ['-y'] },
  openhands: { shape: 'interpreted', argv: ['--task', 'deploy'] },
  qchat: { shape: 'program', argv: ['chat', '--trust-all-tools'] },
  opencode: { shape: 'program', argv: ['run', 'migrate the database'] },
  amp: { shape: 'interpreted', argv: ['-x', 'clean the caches'] },
  cn: { shape: 'interpreted', argv: ['-p', 'lint the repo'] },
  cursor: { shape: 'program', argv: ['--no-sandbox'] },
  windsurf: { shape: 'program', argv: [] },
  langgraph: { shape: 'interpreted', argv: ['dev'] },
};

/**
 * AI-agent detection and the agentic policy types against the real agent, with real process trees
 * (docs/agentic.md, docs/policy-semantics.md 5.4): for every agent of the shipped signature list, a
 * process named and started like it runs keeper-elevate; a person's plain terminal session must
 * score nothing. Played by `nobody`.
 */
describe('agentic policy types decide requests from real AI-agent process trees', () => {
  const sandbox = policyAgentSandbox();
  const shapes = agentShapes(join(sandbox.dir, 'agents'), sandbox.socket);

  beforeAll(async () => {
    await sandbox.start({
      files: {
        'collections.json': {
          Collections: [
            { CollectionId: 'col-true', Type: 'Application', Members: [{ Path: '/usr/bin/true' }] },
            { CollectionId: 'col-id', Type: 'Application', Members: [{ Path: '/usr/bin/id' }] },
            { CollectionId: 'col-goose', Name: 'Goose', Type: 'Application', Members: [{ Path: '*/goose' }] },
          ],
        },
        'people.json': [appPolicy('allow-true', 'col-true', ['ALLOW']), appPolicy('allow-id', 'col-id', ['ALLOW'])],
        'agentic.json': [
          policy('agents-no-elevation', ['DENY'], {
            PolicyType: 'AgenticPrivilegeElevation',
            ApplicationCheck: ['col-true'],
            Extension: { minAiLikelihoodPercent: 60, SubProcessCheck: ['*'] },
            NotificationMessage: 'AI agents may not elevate true.',
          }),
          policy('no-goose', ['DENY'], {
            PolicyType: 'AgenticAiAccess',
            ApplicationCheck: ['col-goose'],
            NotificationMessage: 'Goose may not act on this machine.',
          }),
        ],
      },
      openToOtherUsers: true,
    });
  });

  afterAll(() => sandbox.dispose());

  it('the shipped list has a launch shape for every agent it names', () => {
    expect(SHIPPED.map((s) => s.names[0]).filter((name) => !LAUNCH[name!])).toEqual([]);
  });

  it.each(SHIPPED.map((s) => [s.agent, s] as const))(
    '%s: detected from its process tree with its weight, and its elevation denied',
    async (_agent, signature) => {
      const name = signature.names[0]!;
      const { shape, argv } = LAUNCH[name]!;
      const run = await shapes.agentLike(name, argv, shape, { user: ATTACKER, executable: '/usr/bin/true', terminal: true });
      // In a terminal nobody else typed into: the signature's own weight, not the headless 100.
      expect(run.explained?.agentic, run.output).toMatchObject({
        parentProcess: join(sandbox.dir, 'agents', name),
        aiLikelihoodPercent: signature.aiLikelihoodPercent,
        signals: [{ signal: 'signature', agent: signature.agent, name, percent: signature.aiLikelihoodPercent, generation: 1 }],
      });
      expect(run.explained?.decision.outcome).toBe('deny');
      expect(run.code, run.output).toBe(1);
      // Goose is also refused by Agentic AI Access, which comes first (5.4).
      expect(run.output).toContain(`keeper-elevate: denied: ${name === 'goose' ? 'Goose may not act on this machine.' : 'AI agents may not elevate true.'}`);
    },
  );

  it('a plain terminal session scores nothing: not agentic, and the same elevation runs', async () => {
    const run = await shapes.terminalSession({ user: ATTACKER, executable: '/usr/bin/true' });
    expect(run.explained, run.output).toMatchObject({ agentic: null, decision: { outcome: 'allow' } });
    expect(run.code, run.output).toBe(0);
  });

  it('without a terminal the agent ran it by itself: 100 %, with both signals shown', async () => {
    const run = await shapes.agentLike('cn', ['-p', 'lint'], 'interpreted', { user: ATTACKER, executable: '/usr/bin/id' });
    expect(run.explained?.agentic, run.output).toMatchObject({
      aiLikelihoodPercent: 100,
      signals: [
        { signal: 'signature', name: 'cn', percent: 70 },
        { signal: 'headless', percent: 100 },
      ],
    });
    // No agentic policy covers id: the user's own ALLOW stands.
    expect(run.code, run.output).toBe(0);
  });

  it('Agentic AI Access: an agent the policy names may do nothing, even what its user may', async () => {
    const run = await shapes.agentLike('goose', ['run', '-t', 'whoami'], 'program', { user: ATTACKER, executable: '/usr/bin/id', terminal: true });
    expect(run.explained?.decision.outcome, run.output).toBe('deny');
    expect(run.code).toBe(1);
    expect(run.output).toContain('keeper-elevate: denied: Goose may not act on this machine.');
  });
});

describe('the signature list is replaced by the config (agentic.signatures)', () => {
  const sandbox = policyAgentSandbox();
  const shapes = agentShapes(join(sandbox.dir, 'agents'), sandbox.socket);

  beforeAll(async () => {
    await sandbox.start({
      apps: { 'col-true': '/usr/bin/true' },
      policies: [
        appPolicy('allow-true', 'col-true', ['ALLOW']),
        policy('agents-ask', ['DENY'], { PolicyType: 'AgenticPrivilegeElevation', Extension: { minAiLikelihoodPercent: 50 } }),
      ],
      config: { agentic: { signatures: [{ agent: 'In-house deploy bot', names: ['deploybot'], aiLikelihoodPercent: 80 }] } },
      openToOtherUsers: true,
    });
  });

  afterAll(() => sandbox.dispose());

  it('an agent only the configured list names is detected; one only the shipped list names is not', async () => {
    const bot = await shapes.agentLike('deploybot', ['--apply'], 'program', { user: ATTACKER, executable: '/usr/bin/true', terminal: true });
    expect(bot.explained?.agentic, bot.output).toMatchObject({
      aiLikelihoodPercent: 80,
      signals: [{ signal: 'signature', agent: 'In-house deploy bot', name: 'deploybot' }],
    });
    expect(bot.code).toBe(1);
    const claude = await shapes.agentLike('claude', ['--print', 'x'], 'interpreted', { user: ATTACKER, executable: '/usr/bin/true', terminal: true });
    expect(claude.explained, claude.output).toMatchObject({ agentic: null, decision: { outcome: 'allow' } });
    expect(claude.code).toBe(0);
  });
});
