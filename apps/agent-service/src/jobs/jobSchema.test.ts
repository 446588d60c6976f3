import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadJobDirectory } from './jobLoader.ts';
import { CalendarSchedule, calendarToCron, KeeperJob } from './jobSchema.ts';
import { splitArguments } from './taskArguments.ts';

const task = (extra: Record<string, unknown> = {}) => ({ id: 't1', name: 'Task', executablePath: '/bin/true', ...extra });
const job = (extra: Record<string, unknown> = {}) => ({ id: 'job-a', name: 'Job A', tasks: [task()], ...extra });
const issues = (value: unknown) => {
  const parsed = KeeperJob.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
};

describe('Keeper job JSON', () => {
  it('accepts the shipped privilege-elevation-policy-controls job', () => {
    const json: unknown = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../../resources/jobs/privilege-elevation-policy-controls.json'), 'utf8'));
    const parsed = KeeperJob.parse(json);
    expect(parsed.priority).toBe(5);
    expect(parsed.tasks.map((t) => t.ExecutionType)).toEqual(['UserDesktop', 'UserDesktop', 'UserDesktop', 'UserDesktop', 'UserDesktop']);
    expect(parsed.events).toEqual([{ eventType: 'PolicyEvaluationPending' }]);
  });

  it('accepts every shipped default job', () => {
    const load = loadJobDirectory(resolve(import.meta.dirname, '../../../../resources/jobs'));
    expect(load.errors).toEqual([]);
    expect(load.jobs.map((j) => j.id).sort()).toEqual([
      'LaunchPrivilegeElevation',
      'audit-cleanup',
      'log-version-info',
      'privilege-elevation-policy-controls',
      'send-toast',
      'show-agent',
      'start-keeper-client',
    ]);
  });

  it('turns a calendar schedule into the cron pattern croner runs', () => {
    expect(calendarToCron(CalendarSchedule.parse({ time: '03:30' }))).toBe('30 3 * * *');
    expect(calendarToCron(CalendarSchedule.parse({ time: '18:05', daysOfWeek: [5, 1, 1], months: [12] }))).toBe('5 18 * 12 1,5');
    expect(issues(job({ schedule: { calendar: { time: '25:00' } } }))).toEqual([{ path: 'schedule.calendar.time', message: 'a time of day as HH:MM' }]);
  });

  it('fills the defaults: Service tasks, all platforms, enabled, no schedule', () => {
    const parsed = KeeperJob.parse(job());
    expect(parsed).toMatchObject({
      enabled: true,
      priority: 5,
      osFilter: ['windows', 'linux', 'macos'],
      condition: '',
      alternateJobId: '',
      parameters: {},
      events: [],
    });
    expect(parsed.schedule).toBeUndefined();
    expect(parsed.tasks[0]).toMatchObject({ ExecutionType: 'Service', arguments: '', continueOnFailure: false, timeoutSeconds: 300 });
  });

  it('normalizes the camelCase spellings of the seed (executionType, mergeStdoutJsonIntoContext, …)', () => {
    const parsed = KeeperJob.parse(
      job({ tasks: [task({ executionType: 'user', mergeStdoutJsonIntoContext: false, skipWhenPluginSettingFalse: 'KeeperMfa' })] }),
    );
    expect(parsed.tasks[0]).toMatchObject({ ExecutionType: 'User', MergeStdoutJsonIntoContext: false, SkipWhenPluginSettingFalse: 'KeeperMfa' });
    expect(KeeperJob.parse(job({ tasks: [task({ ExecutionType: 'UserElevated' })] })).tasks[0]!.ExecutionType).toBe('UserElevated');
  });

  it('refuses both spellings of one key, an unknown execution type and unknown keys, with their paths', () => {
    expect(issues(job({ tasks: [task({ executionType: 'User', ExecutionType: 'Service' })] }))).toEqual([
      { path: 'tasks.0', message: expect.stringMatching(/executionType/) as unknown },
    ]);
    expect(issues(job({ tasks: [task({ ExecutionType: 'Root' })] }))[0]).toMatchObject({ path: 'tasks.0.ExecutionType' });
    expect(issues(job({ colour: 'red' }))[0]!.message).toMatch(/colour/);
  });

  it('takes exactly one schedule kind, a valid cron expression and an ISO runAt', () => {
    expect(issues(job({ schedule: { intervalMinutes: 60 } }))).toEqual([]);
    expect(issues(job({ schedule: { cronExpression: '*/5 * * * *' } }))).toEqual([]);
    expect(issues(job({ schedule: { runAt: '2030-01-01T00:00:00Z' } }))).toEqual([]);
    expect(issues(job({ schedule: {} }))[0]).toMatchObject({ path: 'schedule', message: expect.stringMatching(/exactly one/) as unknown });
    expect(issues(job({ schedule: { intervalMinutes: 5, runAt: '2030-01-01T00:00:00Z' } }))[0]!.message).toMatch(/exactly one/);
    expect(issues(job({ schedule: { cronExpression: 'every day' } }))[0]).toMatchObject({ path: 'schedule.cronExpression' });
    expect(issues(job({ schedule: { runAt: 'tomorrow' } }))[0]).toMatchObject({ path: 'schedule.runAt' });
    expect(issues(job({ schedule: { intervalMinutes: 0 } }))[0]).toMatchObject({ path: 'schedule.intervalMinutes' });
  });

  it('checks priority, osFilter, parameters, task ids, self-alternates and splittable arguments', () => {
    expect(issues(job({ priority: 0 }))[0]).toMatchObject({ path: 'priority' });
    expect(issues(job({ priority: 11 }))[0]).toMatchObject({ path: 'priority' });
    expect(issues(job({ osFilter: ['solaris'] }))[0]).toMatchObject({ path: 'osFilter.0' });
    expect(issues(job({ parameters: { a: 1 } }))[0]).toMatchObject({ path: 'parameters.a' });
    expect(issues(job({ tasks: [task(), task()] }))[0]).toMatchObject({ path: 'tasks.1.id', message: expect.stringMatching(/twice/) as unknown });
    expect(issues(job({ alternateJobId: 'job-a' }))[0]).toMatchObject({ path: 'alternateJobId' });
    expect(issues(job({ tasks: [task({ arguments: "-c 'unterminated" })] }))[0]).toMatchObject({
      path: 'tasks.0.arguments',
      message: expect.stringMatching(/unterminated/) as unknown,
    });
    expect(issues(job({ tasks: [] }))[0]).toMatchObject({ path: 'tasks' });
  });

  it('lets only Service tasks merge their stdout into the context', () => {
    expect(issues(job({ tasks: [task({ ExecutionType: 'User', MergeStdoutJsonIntoContext: true })] }))[0]).toMatchObject({
      path: 'tasks.0.MergeStdoutJsonIntoContext',
    });
  });
});

describe('splitting task arguments', () => {
  it('splits like a shell for simple quoting, without expanding anything', () => {
    expect(splitArguments('')).toEqual([]);
    expect(splitArguments('  --request {RequestId}  ')).toEqual(['--request', '{RequestId}']);
    expect(splitArguments(`-c 'echo {greeting} > "file"'`)).toEqual(['-c', 'echo {greeting} > "file"']);
    expect(splitArguments(`"a b" c\\ d "x\\"y" '' e"f"g $HOME`)).toEqual(['a b', 'c d', 'x"y', '', 'efg', '$HOME']);
    expect(() => splitArguments('"open')).toThrow(/unterminated " quote/);
  });
});
