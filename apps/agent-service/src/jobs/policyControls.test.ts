import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/auditLog.ts';
import { DEFAULT_CONTROL_SETTINGS, type PendingElevation } from '../elevation/controlRunner.ts';
import { systemClock, systemScheduler } from '../time/clock.ts';
import { openAgentDatabase, type AgentDatabase } from '../store/database.ts';
import { evaluateCondition } from './condition.ts';
import { JobEngine } from './jobEngine.ts';
import { loadJobDirectory } from './jobLoader.ts';
import { jobReasons } from './jobReasons.ts';
import { KeeperJob } from './jobSchema.ts';
import { PolicyControlsJob } from './policyControls.ts';
import { createLogger } from '../log/logger.ts';

const control = (id: string, window: string, name: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: id,
  ExecutionType: 'UserDesktop',
  executablePath: window,
  arguments: `--control ${name} --request {RequestId}`,
  ...extra,
});

const request = (controls: PendingElevation['decision']['controls'], actionType = 'PrivilegeElevation'): PendingElevation => ({
  requestId: 'req-1',
  uid: 1000,
  userName: 'alice',
  subject: { requestId: 'req-1', executable: '/usr/bin/true', commandLine: '/usr/bin/true', sha256: null, policyNames: ['P'] },
  decision: { outcome: 'controls', reason: '', controls, justificationWithApproval: false, matched: [], deciding: [], monitored: [] },
  cwd: '/home/alice',
  notification: null,
  agentic: null,
  actionType,
  machine: 'host',
});

describe('the policy-controls job', () => {
  let dir: string;
  let db: AgentDatabase;
  let engine: JobEngine;
  let controls: PolicyControlsJob;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kp-controls-'));
    db = openAgentDatabase(dir);
    engine = new JobEngine({
      db,
      clock: systemClock,
      scheduler: systemScheduler,
      audit: new AuditLog({ db }),
      pluginSettings: () => true,
      log: createLogger('Critical'),
    });
    controls = new PolicyControlsJob({
      engine,
      clock: systemClock,
      evaluate: evaluateCondition,
      deliver: () => Promise.resolve({ ok: false, why: jobReasons.desktopFailed('no desktop in this test') }),
    });
  });
  afterEach(async () => {
    await engine.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('picks the first applicable job by priority and condition, and a task by its condition', () => {
    engine.load([
      KeeperJob.parse({
        id: 'agentic',
        name: 'A',
        priority: 1,
        condition: "PolicyType == 'AgenticAccess'",
        events: [{ eventType: 'PolicyEvaluationPending' }],
        tasks: [control('op', 'KeeperApproval', 'OPERATORAPPROVAL')],
      }),
      KeeperJob.parse({
        id: 'default',
        name: 'D',
        priority: 5,
        events: [{ eventType: 'PolicyEvaluationPending' }],
        tasks: [
          control('mfa', 'KeeperMFA', 'MFA'),
          control('just-offline', 'KeeperJustification', 'JUSTIFY', { condition: '!Online', timeoutSeconds: 60 }),
          control('just', 'KeeperJustification', 'JUSTIFY', { timeoutSeconds: 120 }),
        ],
      }),
    ]);
    const online = controls.begin(request(['JUSTIFY', 'MFA']), true, DEFAULT_CONTROL_SETTINGS);
    expect(online).toMatchObject({
      ok: true,
      jobId: 'default',
      controls: ['MFA', 'JUSTIFY'],
      settings: { justificationTimeoutMs: 120_000, mfaTimeoutMs: 300_000 },
    });
    const offline = controls.begin(request(['JUSTIFY']), false, DEFAULT_CONTROL_SETTINGS);
    expect(offline).toMatchObject({ ok: true, settings: { justificationTimeoutMs: 60_000 } });
    expect(controls.begin(request(['OPERATORAPPROVAL'], 'AgenticAccess'), true, DEFAULT_CONTROL_SETTINGS)).toMatchObject({ ok: true, jobId: 'agentic' });
    // A timeout the agent config sets wins over the task's own.
    const configured = { ...DEFAULT_CONTROL_SETTINGS, justificationTimeoutMs: 7_000, configuredTimeouts: ['justification' as const] };
    expect(controls.begin(request(['JUSTIFY', 'MFA']), true, configured)).toMatchObject({
      ok: true,
      settings: { justificationTimeoutMs: 7_000, mfaTimeoutMs: 300_000 },
    });
    const [, offlineRun, onlineRun] = engine.recentRuns(5, { jobId: 'default' });
    expect(onlineRun!.tasks.map((t) => [t.taskId, t.status, t.reason])).toEqual([['just-offline', 'skipped', 'its condition is false: !Online']]);
    expect(offlineRun!.tasks.map((t) => [t.taskId, t.status, t.reason])).toEqual([
      ['mfa', 'skipped', 'the policy does not ask for MFA'],
      ['just', 'skipped', 'JUSTIFY is presented by an earlier task'],
    ]);
    expect(offlineRun!.tasks.map((t) => t.reasonDetail)).toEqual([
      { code: 'control-not-asked', values: { control: 'MFA' } },
      { code: 'control-presented-earlier', values: { control: 'JUSTIFY' } },
    ]);
  });

  it('refuses at load a job whose tasks present the controls out of precedence order, with file and JSON path', () => {
    const job = (id: string, tasks: unknown[]) => ({ id, name: id, events: [{ eventType: 'PolicyEvaluationPending' }], tasks });
    writeFileSync(
      join(dir, 'a-mfa-first.json'),
      JSON.stringify(job('mfa-first', [control('mfa', 'KeeperMFA', 'MFA'), control('approval', 'KeeperApproval', 'APPROVAL')])),
    );
    writeFileSync(
      join(dir, 'b-notice-first.json'),
      JSON.stringify([
        job('fine', [control('approval', 'KeeperApproval', 'APPROVAL')]),
        job('notice-first', [
          control('toast', 'toast', 'NOTIFY'),
          control('message', 'KeeperMessage', 'NOTIFY'),
          control('just', 'KeeperJustification', 'JUSTIFY'),
        ]),
      ]),
    );
    // Alternatives for one control may follow each other; controls the job leaves out leave gaps.
    writeFileSync(
      join(dir, 'c-ordered.json'),
      JSON.stringify(
        job('ordered', [
          control('op', 'KeeperApproval', 'OPERATORAPPROVAL'),
          control('just-offline', 'KeeperJustification', 'JUSTIFY', { condition: '!Online' }),
          control('just', 'KeeperJustification', 'JUSTIFY'),
          control('toast', 'toast', 'NOTIFY'),
        ]),
      ),
    );
    const load = loadJobDirectory(dir);
    expect(load.jobs.map((j) => j.id)).toEqual(['ordered']);
    expect(load.errors).toEqual([
      {
        file: 'a-mfa-first.json',
        path: 'tasks[1].arguments',
        message:
          'APPROVAL must come before MFA (task mfa): prompts follow the precedence order APPROVAL, OPERATORAPPROVAL, MFA, JUSTIFY, NOTIFY, so list the tasks in that order',
      },
      {
        file: 'b-notice-first.json',
        path: '[1].tasks[2].arguments',
        message:
          'JUSTIFY must come before NOTIFY (task toast): prompts follow the precedence order APPROVAL, OPERATORAPPROVAL, MFA, JUSTIFY, NOTIFY, so list the tasks in that order',
      },
    ]);
    expect(loadJobDirectory(resolve(import.meta.dirname, '../../../../resources/jobs')).errors).toEqual([]);
  });

  it('records each control as its task, and denies what no task presents', () => {
    engine.load([
      KeeperJob.parse({ id: 'only-mfa', name: 'M', events: [{ eventType: 'PolicyEvaluationPending' }], tasks: [control('mfa', 'KeeperMFA', 'MFA')] }),
    ]);
    expect(controls.begin(request(['MFA', 'JUSTIFY']), true, DEFAULT_CONTROL_SETTINGS)).toEqual({
      ok: false,
      reason: 'The policy asks for JUSTIFY, but no task of job "only-mfa" presents it.',
      reasonDetail: { code: 'controls-job-unpresented', values: { controls: ['JUSTIFY'], job: 'only-mfa' } },
    });
    const run = controls.begin(request(['MFA']), true, DEFAULT_CONTROL_SETTINGS);
    if (!run.ok) throw new Error(run.reason);
    const seen: string[] = [];
    const progress = run.progress({ asking: (c) => seen.push(`asking ${c}`), passed: (c) => seen.push(`passed ${c}`) });
    progress.asking('MFA');
    run.finish({ state: 'denied', reason: 'The MFA prompt was cancelled.', reasonDetail: { code: 'mfa-cancelled', values: {} } });
    expect(seen).toEqual(['asking MFA']);
    // The decision's own code is the failed task's reason.
    const cause = { code: 'decision', values: { reason: { code: 'mfa-cancelled', values: {} } } };
    expect(engine.recentRuns(1)[0]).toMatchObject({
      jobId: 'only-mfa',
      status: 'failed',
      reason: 'task mfa failed: The MFA prompt was cancelled.',
      reasonDetail: { code: 'task-failed', values: { task: 'mfa', cause } },
      tasks: [{ taskId: 'mfa', status: 'failed', executionType: 'UserDesktop', reasonDetail: cause }],
    });
    engine.load([]);
    expect(controls.begin(request(['MFA']), true, DEFAULT_CONTROL_SETTINGS)).toEqual({
      ok: false,
      reason: 'No PolicyEvaluationPending job applies to this request, so its controls cannot be presented.',
      reasonDetail: { code: 'controls-job-missing', values: {} },
    });
  });
});
