import { Cron } from 'croner';
import * as z from 'zod';
import { parseCondition } from './condition.ts';
import { controlOrderProblem, controlTaskProblem, POLICY_EVALUATION_PENDING } from './controlTasks.ts';
import { splitArguments } from './taskArguments.ts';

/** Keeper's four task execution modes; a task without one runs as Service. */
export const EXECUTION_TYPES = ['Service', 'User', 'UserDesktop', 'UserElevated'] as const;
export const ExecutionType = z.enum(EXECUTION_TYPES);
export type ExecutionType = z.infer<typeof ExecutionType>;

export const JOB_PLATFORMS = ['windows', 'linux', 'macos'] as const;
export const JobPlatform = z.enum(JOB_PLATFORMS);
export type JobPlatform = z.infer<typeof JobPlatform>;

/** Keeper files spell some task keys in PascalCase, the docs also in camelCase: both become the PascalCase form. */
const TASK_KEY_ALIASES: Record<string, string> = {
  executionType: 'ExecutionType',
  mergeStdoutJsonIntoContext: 'MergeStdoutJsonIntoContext',
  skipWhenPluginSettingFalse: 'SkipWhenPluginSettingFalse',
};

function normalizeTaskKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const canonical = TASK_KEY_ALIASES[key] ?? key;
    if (canonical !== key && canonical in value) {
      // Both spellings given: keep both so the strict object reports the conflict by name.
      out[key] = item;
      continue;
    }
    out[canonical] = item;
  }
  if (typeof out.ExecutionType === 'string') {
    const match = EXECUTION_TYPES.find((t) => t.toLowerCase() === (out.ExecutionType as string).toLowerCase());
    if (match) out.ExecutionType = match;
  }
  return out;
}

/** A condition is parsed when the file loads, so a syntax error rejects the file with its position. */
const Condition = z
  .string()
  .default('')
  .superRefine((value, ctx) => {
    try {
      parseCondition(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `not a valid condition: ${(error as Error).message}` });
    }
  });

export const JobTask = z.preprocess(
  normalizeTaskKeys,
  z
    .strictObject({
      id: z.string().min(1),
      name: z.string().min(1),
      ExecutionType: ExecutionType.default('Service'),
      executablePath: z.string().min(1),
      arguments: z
        .string()
        .default('')
        .superRefine((value, ctx) => {
          try {
            splitArguments(value);
          } catch (error) {
            ctx.addIssue({ code: 'custom', message: `cannot split the arguments: ${(error as Error).message}` });
          }
        }),
      timeoutSeconds: z.number().int().min(1).max(86_400).default(300),
      continueOnFailure: z.boolean().default(false),
      /** The task runs only when this holds over the run context at its turn. */
      condition: Condition,
      MergeStdoutJsonIntoContext: z.boolean().optional(),
      SkipWhenPluginSettingFalse: z.string().min(1).optional(),
    })
    .superRefine((task, ctx) => {
      // Only the service's own, trusted programs may feed the job context (as in Keeper).
      if (task.MergeStdoutJsonIntoContext && task.ExecutionType !== 'Service') {
        ctx.addIssue({
          code: 'custom',
          path: ['MergeStdoutJsonIntoContext'],
          message: `only Service tasks may merge their output into the context, not ${task.ExecutionType} tasks`,
        });
      }
    }),
);
export type JobTask = z.infer<typeof JobTask>;

const isoDateTime = z.iso.datetime({ offset: true, local: false });

/** A calendar schedule: at `time` (local, HH:MM) on the listed days; an empty list means every. */
export const CalendarSchedule = z.strictObject({
  time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM'),
  daysOfWeek: z.array(z.number().int().min(0).max(6)).default([]),
  daysOfMonth: z.array(z.number().int().min(1).max(31)).default([]),
  months: z.array(z.number().int().min(1).max(12)).default([]),
});
export type CalendarSchedule = z.infer<typeof CalendarSchedule>;

/** The cron pattern a calendar schedule stands for (croner then computes its runs). */
export function calendarToCron(calendar: CalendarSchedule): string {
  const [hour, minute] = calendar.time.split(':').map(Number);
  const list = (values: readonly number[]) => (values.length === 0 ? '*' : [...new Set(values)].sort((a, b) => a - b).join(','));
  return `${minute} ${hour} ${list(calendar.daysOfMonth)} ${list(calendar.months)} ${list(calendar.daysOfWeek)}`;
}

export const JobSchedule = z
  .strictObject({
    intervalMinutes: z.number().int().min(1).max(527_040).optional(),
    cronExpression: z
      .string()
      .min(1)
      .superRefine((value, ctx) => {
        try {
          new Cron(value);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: `not a cron expression: ${(error as Error).message}` });
        }
      })
      .optional(),
    runAt: isoDateTime.optional(),
    calendar: CalendarSchedule.optional(),
  })
  .refine((s) => [s.intervalMinutes, s.cronExpression, s.runAt, s.calendar].filter((v) => v !== undefined).length === 1, {
    message: 'a schedule has exactly one of intervalMinutes, cronExpression, runAt or calendar',
  });
export type JobSchedule = z.infer<typeof JobSchedule>;

export const JobEvent = z.strictObject({ eventType: z.string().min(1) });

/**
 * A redirect check (LaunchPrivilegeElevation): an elevation of a program matching the source
 * patterns (`*` any characters, `?` one) opens the target instead, on the user's desktop.
 */
export const RedirectRule = z.strictObject({
  sourceExePattern: z.string().min(1),
  /** Matched against the arguments joined by single spaces; absent matches any arguments. */
  sourceArgumentsPattern: z.string().optional(),
  /** The window (or program) opened instead, e.g. `keeper-network-connections`. */
  targetExecutable: z.string().min(1),
  targetArguments: z.string().default(''),
});
export type RedirectRule = z.infer<typeof RedirectRule>;

export const KeeperJob = z
  .strictObject({
    id: z.string().min(1),
    name: z.string().min(1),
    description: z.string().default(''),
    enabled: z.boolean().default(true),
    priority: z.number().int().min(1).max(10).default(5),
    events: z.array(JobEvent).default([]),
    schedule: JobSchedule.optional(),
    osFilter: z
      .array(JobPlatform)
      .min(1)
      .default([...JOB_PLATFORMS]),
    condition: Condition,
    alternateJobId: z.string().default(''),
    parameters: z.record(z.string(), z.string()).default({}),
    redirects: z.array(RedirectRule).default([]),
    tasks: z.array(JobTask).min(1),
  })
  .superRefine((job, ctx) => {
    const seen = new Set<string>();
    job.tasks.forEach((task, index) => {
      if (seen.has(task.id)) ctx.addIssue({ code: 'custom', path: ['tasks', index, 'id'], message: `task id ${task.id} is used twice in this job` });
      seen.add(task.id);
    });
    if (job.alternateJobId === job.id) ctx.addIssue({ code: 'custom', path: ['alternateJobId'], message: 'a job cannot be its own alternate' });
    if (job.events.some((e) => e.eventType === POLICY_EVALUATION_PENDING)) {
      job.tasks.forEach((task, index) => {
        const problem = controlTaskProblem(task);
        if (problem) ctx.addIssue({ code: 'custom', path: ['tasks', index, problem.path], message: problem.message });
      });
      const misordered = controlOrderProblem(job.tasks);
      if (misordered) ctx.addIssue({ code: 'custom', path: ['tasks', misordered.index, 'arguments'], message: misordered.message });
    }
  });
export type KeeperJob = z.infer<typeof KeeperJob>;

/** A job file holds one job or an array of jobs. */
export const JobsFile = z.union([KeeperJob, z.array(KeeperJob)]);
export type JobsFile = z.infer<typeof JobsFile>;
