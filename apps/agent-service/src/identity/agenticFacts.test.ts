import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentDetector, agenticFactsOf, shippedSignatures } from './agenticFacts.ts';
import { AgentSignatures } from './agentSignatures.ts';
import { ancestry, namesOf } from './processTree.ts';

describe('agentic facts from the kernel', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'keeper-agentic-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs `sleep` under a shell script named `name` and resolves with sleep's pid once it runs. */
  const underScript = async (name: string, terminal = false) => {
    const script = join(dir, name);
    writeFileSync(script, '#!/bin/sh\nsleep 5\n');
    chmodSync(script, 0o755);
    const wrapper = spawn(script, [], { stdio: 'ignore', detached: !terminal });
    for (let i = 0; i < 200; i++) {
      const child = findChild(wrapper.pid!, 'sleep');
      if (child) return { pid: child, wrapper: wrapper.pid!, stop: () => wrapper.kill('SIGKILL') };
      await new Promise((r) => setTimeout(r, 10));
    }
    wrapper.kill('SIGKILL');
    throw new Error('the wrapper did not start sleep');
  };

  it('reads a process and its ancestors from /proc, nearest first', () => {
    const chain = ancestry(process.pid);
    expect(chain[0]).toMatchObject({ pid: process.pid, ppid: process.ppid, uid: process.getuid?.() ?? null });
    expect(chain[1]?.pid).toBe(process.ppid);
    expect(namesOf(chain[0]!)).toContain('node');
  });

  it('an ancestor named like an AI agent makes the request agentic, even when it claims 0 or nothing', async () => {
    const agent = await underScript('claude');
    try {
      // Its own session, no controlling terminal: the agent ran it by itself.
      expect(agenticFactsOf(agent.pid, undefined)).toMatchObject({ parentProcess: join(dir, 'claude'), aiLikelihoodPercent: 100 });
      expect(agenticFactsOf(agent.pid, { parentProcess: 'bash', aiLikelihoodPercent: 0 })).toEqual({
        parentProcess: join(dir, 'claude'),
        aiLikelihoodPercent: 100,
        signals: [
          { signal: 'signature', percent: 95, agent: 'Claude Code', name: 'claude', process: join(dir, 'claude'), pid: agent.wrapper, generation: 1 },
          { signal: 'headless', percent: 100, pid: agent.pid },
          { signal: 'claimed', percent: 0, process: 'bash' },
        ],
      });
    } finally {
      agent.stop();
    }
    const typed = await underScript('codex', true);
    try {
      const likelihood = agenticFactsOf(typed.pid, undefined)?.aiLikelihoodPercent;
      // With this test's terminal (if it has one) the signature's own likelihood; without, 100.
      expect(likelihood).toBe(ancestry(process.pid)[0]!.ttyNr === 0 ? 100 : 95);
      // A claim may only raise it.
      expect(agenticFactsOf(typed.pid, { parentProcess: 'bash', aiLikelihoodPercent: 99 })?.aiLikelihoodPercent).toBe(likelihood === 100 ? 100 : 99);
    } finally {
      typed.stop();
    }
  });

  it('without an agent ancestor: not agentic unless claimed, and then the acting process is the kernel’s', async () => {
    const plain = await underScript('build-tool');
    try {
      expect(agenticFactsOf(plain.pid, undefined)).toBeNull();
      expect(agenticFactsOf(plain.pid, { parentProcess: 'innocent', aiLikelihoodPercent: 40 })).toMatchObject({
        parentProcess: realpathSync('/bin/sh'),
        aiLikelihoodPercent: 40,
      });
    } finally {
      plain.stop();
    }
    // No kernel view (no peer pid): the claim is all there is.
    expect(agenticFactsOf(null, { parentProcess: 'x', aiLikelihoodPercent: 10 })).toMatchObject({ parentProcess: 'x', aiLikelihoodPercent: 10 });
  });

  it('the nearest agent ancestor counts, and a configured list replaces the shipped one', async () => {
    const outer = join(dir, 'aider');
    const inner = join(dir, 'deploybot');
    writeFileSync(inner, '#!/bin/sh\nsleep 5\n');
    writeFileSync(outer, `#!/bin/sh\n${inner}\n`);
    chmodSync(inner, 0o755);
    chmodSync(outer, 0o755);
    const wrapper = spawn(outer, [], { stdio: 'ignore', detached: true });
    try {
      let sleeper: number | null = null;
      for (let i = 0; i < 200 && sleeper === null; i++) {
        const middle = findChild(wrapper.pid!, inner);
        sleeper = middle === null ? null : findChild(middle, 'sleep');
        if (sleeper === null) await new Promise((r) => setTimeout(r, 10));
      }
      expect(sleeper).not.toBeNull();
      // Shipped list: deploybot is unknown, aider two generations up matches.
      expect(agenticFactsOf(sleeper, undefined)?.signals?.[0]).toMatchObject({ agent: 'Aider', generation: 2 });
      const detector = new AgentDetector({ signatures: [{ agent: 'Deploy bot', names: ['DeployBot'], aiLikelihoodPercent: 30 }] });
      expect(detector.factsOf(sleeper, undefined)).toMatchObject({
        parentProcess: inner,
        aiLikelihoodPercent: 100,
        signals: [{ agent: 'Deploy bot', name: 'deploybot', percent: 30, generation: 1 }, { signal: 'headless' }],
      });
    } finally {
      wrapper.kill('SIGKILL');
    }
  });

  it('a signature list is validated: names without "/", whole percentages, at least one entry', () => {
    expect(AgentSignatures.safeParse([]).success).toBe(false);
    expect(AgentSignatures.safeParse([{ agent: 'x', names: ['/usr/bin/x'], aiLikelihoodPercent: 50 }]).error?.issues[0]?.path).toEqual([0, 'names', 0]);
    expect(AgentSignatures.safeParse([{ agent: 'x', names: ['x'], aiLikelihoodPercent: 101 }]).success).toBe(false);
    expect(AgentSignatures.safeParse([{ agent: 'x', names: ['x'], aiLikelihoodPercent: 50, extra: 1 }]).success).toBe(false);
    expect(shippedSignatures().length).toBeGreaterThan(10);
  });
});

/** The child of `ppid` once it runs `program`: between fork and exec it is still a copy of its parent. */
function findChild(ppid: number, program: string): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const execed = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(program);
      if (execed && Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid) return Number(entry);
    } catch {
      // Gone meanwhile.
    }
  }
  return null;
}
