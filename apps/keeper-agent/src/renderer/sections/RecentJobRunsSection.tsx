import { useTranslation } from 'react-i18next';
import type { JobRunView } from '../../../../../shared/protocol/src/common/methods/jobs.ts';
import { JobReasonText } from '../../../../../shared/ui/src/JobReasonText.tsx';
import { raw } from '../../../../../shared/ui/src/raw.ts';
import { StatusBadge, type Tone } from '../../../../../shared/ui/src/StatusBadge.tsx';
import { useJobRuns } from '../jobRuns.ts';

const RUN_TONE: Record<JobRunView['status'], Tone> = { running: 'neutral', succeeded: 'ok', failed: 'bad', skipped: 'neutral', interrupted: 'warn' };
const TASK_TONE: Record<JobRunView['tasks'][number]['status'], Tone> = { succeeded: 'ok', failed: 'bad', skipped: 'neutral' };

/** The agent's recent job runs (its automation), with each task's outcome; outputs only for administrators. */
export function RecentJobRunsSection() {
  const { t } = useTranslation('agent');
  const { view, refresh } = useJobRuns();
  return (
    <section className="kp-card" aria-labelledby="job-runs-heading" data-testid="job-runs-section">
      <div className="kp-card-head">
        <h2 id="job-runs-heading">{t('jobs.heading')}</h2>
        <button type="button" className="kp-button kp-secondary" onClick={refresh} data-testid="job-runs-refresh">
          {t('refresh')}
        </button>
      </div>
      {view === null || view.state === 'loading' ? (
        <p className="kp-muted">{t('jobs.loading')}</p>
      ) : view.state === 'unavailable' ? (
        <p className="kp-muted" data-testid="job-runs-unavailable">
          {t('jobs.unavailable')}
        </p>
      ) : view.runs.length === 0 ? (
        <p className="kp-muted">{t('jobs.empty')}</p>
      ) : (
        <ul className="kp-list kp-policies" data-testid="job-runs">
          {view.runs.map((run) => (
            <JobRunItem key={run.runId} run={run} name={view.jobNames[run.jobId] ?? run.jobId} />
          ))}
        </ul>
      )}
    </section>
  );
}

function JobRunItem({ run, name }: { run: JobRunView; name: string }) {
  const { t, i18n } = useTranslation('agent');
  const time = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'short', timeStyle: 'medium' });
  const seconds = (ms: number | null) => t('jobs.duration', { seconds: ((ms ?? 0) / 1000).toLocaleString(i18n.language, { maximumFractionDigits: 1 }) });
  return (
    <li data-run-id={run.runId} data-job-id={run.jobId}>
      <span className="kp-stack-tight">
        <span {...raw()}>{name}</span>
        <span className="kp-hint">
          <time dateTime={run.startedAt} {...raw()}>
            {time.format(new Date(run.startedAt))}
          </time>
          <span {...raw()}> · </span>
          <span>{t(`jobs.trigger.${run.trigger}`)}</span>
          {run.eventType && run.trigger === 'event' ? <span {...raw()}> ({run.eventType})</span> : null}
          {run.durationMs !== null ? (
            <>
              <span {...raw()}> · </span>
              <span>{seconds(run.durationMs)}</span>
            </>
          ) : null}
        </span>
        {run.reason ? <JobReasonText className="kp-hint" reason={run.reason} detail={run.reasonDetail} testId="job-run-reason" /> : null}
        {run.tasks.length > 0 ? (
          <details>
            <summary>{t('jobs.tasks', { count: run.tasks.length })}</summary>
            <ol className="kp-steps" data-testid="job-run-tasks">
              {run.tasks.map((task) => (
                <li key={task.taskId}>
                  {/* One column: the list's rows are laid out side by side. */}
                  <span className="kp-stack-tight">
                    <span>
                      <span {...raw()}>{task.name}</span> <StatusBadge tone={TASK_TONE[task.status]} label={t(`jobs.taskStatus.${task.status}`)} />
                    </span>
                    <span className="kp-hint">
                      {t(`jobs.executionType.${task.executionType}`)}
                      {task.reason ? (
                        <>
                          <span {...raw()}> · </span>
                          <JobReasonText reason={task.reason} detail={task.reasonDetail} testId="job-task-reason" />
                        </>
                      ) : null}
                    </span>
                    {task.stdout ? (
                      <span className="kp-hint">
                        {t('jobs.output')}{' '}
                        <code className="kp-mono" {...raw()}>
                          {task.stdout}
                        </code>
                      </span>
                    ) : null}
                  </span>
                </li>
              ))}
            </ol>
          </details>
        ) : null}
      </span>
      <StatusBadge tone={RUN_TONE[run.status]} label={t(`jobs.status.${run.status}`)} />
    </li>
  );
}
