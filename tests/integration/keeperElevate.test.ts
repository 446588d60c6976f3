import { spawnSync } from 'node:child_process';
import { copyFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElevationRequest, ElevationRun, PromptRespond, PromptShowNotification } from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient } from '../support/agentProcess.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy } from '../support/policyFixtures.ts';
import { ELEVATE, runCli } from '../support/runAsCli.ts';
import { startProbeReport, startProbeSource } from '../support/startProbe.ts';

const elevate = (socket: string, args: string[], options: Parameters<typeof runCli>[3] = {}) => runCli(ELEVATE, socket, args, options);

describe('keeper-elevate: the keepersudo workflow against the real agent', () => {
  const sandbox = policyAgentSandbox();
  const swapped = join(sandbox.dir, 'tool');
  let desktop: AgentClient;

  beforeAll(async () => {
    copyFileSync('/usr/bin/true', swapped);
    await sandbox.start({
      apps: {
        'col-id': '/usr/bin/id',
        'col-cat': '/usr/bin/cat',
        'col-sh': realpathSync('/usr/bin/sh'),
        'col-whoami': '/usr/bin/whoami',
        'col-env': '/usr/bin/env',
        'col-tool': swapped,
      },
      policies: [
        appPolicy('allow-id', 'col-id', ['ALLOW']),
        appPolicy('allow-cat', 'col-cat', ['ALLOW']),
        appPolicy('allow-sh', 'col-sh', ['ALLOW']),
        appPolicy('allow-tool', 'col-tool', ['ALLOW']),
        appPolicy('deny-whoami', 'col-whoami', ['DENY'], { NotificationMessage: 'whoami is not allowed elevated.' }),
        appPolicy('justify-env', 'col-env', ['JUSTIFY']),
      ],
      openToOtherUsers: true,
    });
    desktop = await connectClient(sandbox.socket, 'desktop');
  });

  afterAll(async () => {
    desktop?.close();
    await sandbox.dispose();
  });

  it('runs `id -u` as root for an unprivileged user under an ALLOW policy', async () => {
    const result = await elevate(sandbox.socket, ['id', '-u'], { user: 'nobody' });
    expect(result).toMatchObject({ code: 0, stdout: '0\n' });
  });

  it('exits non-zero with the policy message under DENY', async () => {
    const result = await elevate(sandbox.socket, ['whoami'], { user: 'nobody' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('keeper-elevate: denied: whoami is not allowed elevated.\n');
  });

  it('waits for the justification answered in the suite, then runs with a clean environment', async () => {
    const answered = new Promise<void>((resolve) =>
      desktop.onNotification(PromptShowNotification, (prompt) => {
        void desktop
          .request(PromptRespond, { promptId: prompt.promptId, response: { kind: 'justification', text: 'Checking the root environment' } })
          .then(() => resolve());
      }),
    );
    const result = await elevate(sandbox.socket, ['env'], { env: { KEEPER_TEST_SECRET: 'must-not-leak' } });
    await answered;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('Waiting for your justification in the Keeper window');
    expect(result.stdout).toContain('USER=root');
    expect(result.stdout).toContain('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    expect(result.stdout).not.toContain('KEEPER_TEST_SECRET');
  });

  it('passes stdin through, and the exit code back', async () => {
    expect(await elevate(sandbox.socket, ['cat'], { user: 'nobody', input: 'line one\nline two\n' })).toMatchObject({
      code: 0,
      stdout: 'line one\nline two\n',
    });
    expect(await elevate(sandbox.socket, ['sh', '-c', 'echo to-stderr >&2; exit 7'], { user: 'nobody' })).toMatchObject({ code: 7, stderr: 'to-stderr\n' });
  });

  it('an allowed request runs once, only for its own user, and not after the file changed', async () => {
    const client = await connectClient(sandbox.socket);
    try {
      const first = await client.request(ElevationRequest, { executable: '/usr/bin/id', arguments: [], cwd: '/' });
      await client.request(ElevationRun, { requestId: first.requestId });
      await expect(client.request(ElevationRun, { requestId: first.requestId })).rejects.toMatchObject({ code: -33006 });
      const tool = await client.request(ElevationRequest, { executable: swapped, arguments: [], cwd: '/' });
      expect(tool.state).toBe('allowed');
      copyFileSync('/usr/bin/false', swapped);
      await expect(client.request(ElevationRun, { requestId: tool.requestId })).rejects.toMatchObject({
        code: -33006,
        message: `${swapped} changed since the decision; ask again`,
      });
    } finally {
      client.close();
    }
  });

  it('says clearly when the agent is not there', async () => {
    const missing = join(sandbox.dir, 'nothing.sock');
    const result = await elevate(missing, ['id']);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(`keeper-elevate: cannot reach the Keeper agent at ${missing}: connect ENOENT ${missing}\n`);
  });

  it('talks to the agent through a plain descriptor: an allowed run with no input loads neither node:net, node:tty nor the streams', () => {
    // What the bin runs (the bundle once built), with a probe preloaded that lists the builtins at exit. stdin is
    // /dev/null, as scripts, services and `ssh -n` give (a terminal or pipe is read through process.stdin).
    const probe = join(sandbox.dir, 'probe.cjs');
    writeFileSync(probe, startProbeSource());
    const result = spawnSync(process.execPath, [ELEVATE, '--socket', sandbox.socket, 'id', '-u'], {
      cwd: '/',
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', NODE_OPTIONS: `--require ${probe}` },
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    expect(result).toMatchObject({ status: 0, stdout: '0\n' });
    const report = startProbeReport(result.stderr);
    if (!report) throw new Error(`the probe reported nothing: ${result.stderr}`);
    expect(report.builtins).toContain('fs');
    expect(report.builtins.filter((name) => ['net', 'tty', 'stream'].includes(name))).toEqual([]);
  });
});
