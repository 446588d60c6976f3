import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EditCommit, EditCopy, EditOpen, PromptRespond, PromptShowNotification, type PromptShow } from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient } from '../support/agentProcess.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { policy, settledState } from '../support/policyFixtures.ts';

/**
 * keeper-edit's controls are an elevation's: a File Access policy with JUSTIFY holds the edit until
 * the justification is given on the requester's desktop, and nothing is copied before (docs/policy-semantics.md, 5.5).
 */
describe('keeper-edit: File Access controls run as for an elevation', () => {
  const sandbox = policyAgentSandbox();
  const files = join(sandbox.dir, 'files');
  const target = join(files, 'justified.conf');
  let requester: AgentClient;
  let desktop: AgentClient;
  const prompts: PromptShow[] = [];
  const COLLECTIONS = {
    Collections: [
      { CollectionId: 'col-conf', Type: 'Application', Members: [{ Path: `${files}/*.conf` }] },
      { CollectionId: 'col-reload', Type: 'Application', Members: [{ Path: `${files}/reload-*` }] },
    ],
  };
  const policies = (reload: 'ALLOW' | 'DENY') => [
    policy('fa-justify', ['JUSTIFY', 'AUDIT'], { PolicyType: 'FileAccess', ApplicationCheck: ['col-conf'] }),
    policy('fa-reload', [reload], { PolicyType: 'FileAccess', ApplicationCheck: ['col-reload'] }),
  ];

  beforeAll(async () => {
    mkdirSync(files, { mode: 0o755 });
    writeFileSync(target, 'a=1\n', { mode: 0o644 });
    for (const name of ['reload-a', 'reload-b', 'reload-c']) writeFileSync(join(files, name), 'r=1\n', { mode: 0o644 });
    await sandbox.start({
      files: {
        'collections.json': COLLECTIONS,
        'policies.json': policies('ALLOW'),
      },
    });
    requester = await connectClient(sandbox.socket, 'cli');
    desktop = await connectClient(sandbox.socket, 'desktop');
    desktop.onNotification(PromptShowNotification, (p) => prompts.push(p));
  });

  afterAll(async () => {
    requester?.close();
    desktop?.close();
    await sandbox.dispose();
  });

  it('FA-C1: asks for the justification with the file as the subject, copies only once it is given, then writes back', async () => {
    const opened = await requester.request(EditOpen, { path: target, cwd: '/' });
    expect(opened).toMatchObject({ state: 'pending', path: target, decision: { outcome: 'controls', controls: ['JUSTIFY'] } });
    await expect(requester.request(EditCopy, { requestId: opened.requestId })).rejects.toMatchObject({ code: -33006 });
    await expect.poll(() => prompts.length, { timeout: 5_000 }).toBe(1);
    expect(prompts[0]).toMatchObject({
      kind: 'justification',
      subject: { requestId: opened.requestId, executable: target, commandLine: `keeper-edit ${target}`, policyNames: ['Policy fa-justify'] },
    });
    await desktop.request(PromptRespond, {
      promptId: prompts[0]!.promptId,
      response: { kind: 'justification', text: 'Rotating the setting for the change ticket.' },
    });
    expect((await settledState(requester, opened.requestId)).state).toBe('allowed');
    const { copyPath } = await requester.request(EditCopy, { requestId: opened.requestId });
    writeFileSync(copyPath, 'a=2\n');
    expect(await requester.request(EditCommit, { requestId: opened.requestId })).toMatchObject({ written: true, path: target });
    expect(readFileSync(target, 'utf8')).toBe('a=2\n');
  });

  it('FA-C2: a policy reload that now denies stops an allowed edit at edit.copy and at edit.commit', async () => {
    const a = await requester.request(EditOpen, { path: join(files, 'reload-a'), cwd: '/' });
    const b = await requester.request(EditOpen, { path: join(files, 'reload-b'), cwd: '/' });
    expect([a.state, b.state]).toEqual(['allowed', 'allowed']);
    const { copyPath } = await requester.request(EditCopy, { requestId: a.requestId });
    writeFileSync(join(sandbox.policiesDir, 'policies.json'), JSON.stringify(policies('DENY')));
    await expect.poll(async () => (await requester.request(EditOpen, { path: join(files, 'reload-c'), cwd: '/' })).state, { timeout: 5_000 }).toBe('denied');
    await expect(requester.request(EditCopy, { requestId: b.requestId })).rejects.toMatchObject({
      code: -33001,
      message: expect.stringContaining('no longer allows') as unknown,
    });
    writeFileSync(copyPath, 'r=2\n');
    await expect(requester.request(EditCommit, { requestId: a.requestId })).rejects.toMatchObject({ code: -33001 });
    expect(readFileSync(join(files, 'reload-a'), 'utf8')).toBe('r=1\n');
  });
});
