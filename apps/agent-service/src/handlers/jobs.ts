import {
  AgentError,
  AgentErrorCodes,
  JobsDesktopTaskDone,
  JobsList,
  JobsRun,
  JobsRuns,
  type JobRunView,
  type JobSummary,
} from '../../../../shared/protocol/src/common/index.ts';
import type { ApproverRoles } from '../approvals/approverRoles.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import { route, type RegisteredHandler } from '../ipc/agentConnection.ts';
import type { DesktopTaskBroker } from '../jobs/desktopTasks.ts';
import type { JobEngine } from '../jobs/jobEngine.ts';
import type { JobRun } from '../jobs/jobRun.ts';
import type { Clock } from '../time/clock.ts';

export interface JobHandlerDependencies {
  readonly engine: JobEngine;
  readonly desktopTasks: DesktopTaskBroker;
  readonly roles: Pick<ApproverRoles, 'rolesOf'>;
  readonly audit: Pick<AuditLog, 'append'>;
  readonly clock: Clock;
}

function view(run: JobRun, withOutput: boolean): JobRunView {
  return {
    runId: run.runId,
    jobId: run.jobId,
    trigger: run.trigger,
    eventType: run.eventType,
    status: run.status,
    reason: run.reason,
    reasonDetail: run.reasonDetail,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    durationMs: run.durationMs,
    alternateOf: run.alternateOf,
    tasks: run.tasks.map((task) => (withOutput ? task : { ...task, stdout: '', stderr: '' })),
  };
}

export function jobHandlers({ engine, desktopTasks, roles, audit, clock }: JobHandlerDependencies): RegisteredHandler[] {
  const isAdministrator = async (uid: number | null) => (await roles.rolesOf(uid)).includes('administrator');
  return [
    route(JobsList, () => ({
      jobs: engine.loaded.map((job): JobSummary => {
        const { state, nextRunAt } = engine.stateOf(job.id);
        return {
          id: job.id,
          name: job.name,
          description: job.description,
          priority: job.priority,
          state,
          events: job.events.map((e) => e.eventType),
          schedule: job.schedule ? { ...job.schedule } : null,
          nextRunAt,
          tasks: job.tasks.map((task) => ({ id: task.id, name: task.name, executionType: task.ExecutionType })),
        };
      }),
    })),
    route(JobsRun, async ({ jobId, parameters }, context) => {
      const uid = context.peer.uid;
      if (!(await isAdministrator(uid))) {
        audit.append({ type: 'job.run.refused', actorUid: uid, requestId: null, data: { jobId, reason: 'not an administrator' } }, clock.now());
        throw new AgentError(AgentErrorCodes.Unauthorized, 'only administrators may run jobs by hand');
      }
      if (!engine.loaded.some((job) => job.id === jobId)) throw new AgentError(AgentErrorCodes.NotFound, `no job ${jobId} is loaded`);
      let started: ReturnType<JobEngine['start']>;
      try {
        started = engine.start(jobId, { ...parameters, TriggeredByUid: uid });
      } catch (error) {
        throw new AgentError(AgentErrorCodes.Conflict, (error as Error).message);
      }
      audit.append(
        { type: 'job.run.requested', actorUid: uid, requestId: null, data: { jobId, runId: started.runId, parameters: Object.keys(parameters ?? {}) } },
        clock.now(),
      );
      return { runId: started.runId, jobId };
    }),
    route(JobsRuns, async (params, context) => {
      const uid = context.peer.uid;
      const admin = await isAdministrator(uid);
      // Others see the runs of their own requests and the agent's own runs, never program output.
      const runs = engine.recentRuns(params?.limit ?? 50, { ...(params?.jobId ? { jobId: params.jobId } : {}), ...(admin ? {} : { uid: uid ?? -1 }) });
      return { runs: runs.map((run) => view(run, admin)) };
    }),
    route(JobsDesktopTaskDone, (params, context) => desktopTasks.done(context, params)),
  ];
}
