import { useEffect, useId, useRef, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { QuickElevateChoice, QuickElevatePreview, QuickElevateProgress } from '../../../../shared/bridge/src/common/services/quickElevate.ts';
import { BridgeAlert } from '../../../../shared/ui/src/BridgeNotice.tsx';
import { raw } from '../../../../shared/ui/src/raw.ts';
import { shownProblem } from '../../../../shared/i18n/src/reasonText.ts';
import { ReasonText } from '../../../../shared/ui/src/ReasonText.tsx';
import { StatusBadge, type Tone } from '../../../../shared/ui/src/StatusBadge.tsx';
import { ThemeSelect } from '../../../../shared/ui/src/ThemeSelect.tsx';
import { WindowFrame } from '../../../../shared/ui/src/WindowFrame.tsx';
import type { WindowProps } from '../../../../shared/ui/src/bootstrapWindow.tsx';
import { quickElevateActions, useQuickElevate } from './store.ts';

const PHASE_TONE: Record<QuickElevateProgress['phase'], Tone> = {
  pending: 'neutral',
  starting: 'neutral',
  running: 'ok',
  exited: 'ok',
  denied: 'bad',
  failed: 'bad',
};

export function App({ theme }: WindowProps) {
  const { t } = useTranslation('quickElevate');
  const { bridge, bridgeError, progress } = useQuickElevate();
  return (
    <WindowFrame title={t('title')} subtitle={t('subtitle')} footer={<ThemeSelect initial={theme} />}>
      <BridgeAlert bridge={bridge} reason={bridgeError} />
      <CommandForm />
      <Choices />
      <section className="kp-card" aria-labelledby="progress-heading">
        <h2 id="progress-heading">{t('progress.heading')}</h2>
        {progress.length === 0 ? (
          <p className="kp-muted">{t('progress.none')}</p>
        ) : (
          <ul className="kp-list" data-testid="progress" aria-live="polite">
            {progress.map((entry) => (
              <ProgressRow key={entry.requestId} entry={entry} />
            ))}
          </ul>
        )}
      </section>
    </WindowFrame>
  );
}

function CommandForm() {
  const { t } = useTranslation('quickElevate');
  const { command, preview, busy, submitted, bridge } = useQuickElevate();
  const fieldId = useId();
  const hintId = useId();
  const field = useRef<HTMLInputElement>(null);
  // After mount's passive effects, not in the commit (useFocusOnMount): the field shows the store's
  // command, and the store's subscription starts in a passive effect; a key typed before it would be
  // reverted by React, so the field takes keys only once its changes are heard.
  useEffect(() => field.current?.focus(), []);
  const current = preview && preview.command === command ? preview.result : null;
  const canSubmit = current?.ok === true && current.decision.outcome !== 'deny' && !busy && bridge === 'ready';
  const check = (event: FormEvent) => {
    event.preventDefault();
    void quickElevateActions.preview();
  };
  return (
    <form className="kp-card kp-stack-tight" onSubmit={check} aria-labelledby="command-heading">
      <h2 id="command-heading">{t('command.heading')}</h2>
      <div className="kp-field">
        <label htmlFor={fieldId}>{t('command.label')}</label>
        <input
          id={fieldId}
          ref={field}
          className="kp-input kp-mono"
          value={command}
          autoComplete="off"
          spellCheck={false}
          aria-describedby={hintId}
          data-testid="command"
          onChange={(event) => quickElevateActions.setCommand(event.target.value)}
        />
        <p id={hintId} className="kp-hint">
          {t('command.hint')}
        </p>
      </div>
      <div className="kp-actions">
        <button type="submit" className="kp-button kp-secondary" disabled={busy || !command.trim()} data-testid="check">
          {t('command.check')}
        </button>
        <button type="button" className="kp-button" disabled={!canSubmit} data-testid="submit" onClick={() => void quickElevateActions.submit()}>
          {t('command.submit')}
        </button>
      </div>
      <div role="status" aria-live="polite" className="kp-live" data-testid="preview">
        {current ? <PreviewResult preview={current} /> : null}
      </div>
      {submitted && !submitted.ok ? (
        <p role="alert" className="kp-error" data-testid="submit-problem">
          {shownProblem(t, submitted.problem)}
        </p>
      ) : null}
    </form>
  );
}

function PreviewResult({ preview }: { preview: QuickElevatePreview }) {
  const { t } = useTranslation('quickElevate');
  if (!preview.ok) {
    return (
      <div className="kp-notice" data-tone="bad" data-outcome="problem">
        <p>{shownProblem(t, preview.problem)}</p>
      </div>
    );
  }
  const { decision } = preview;
  const tone = decision.outcome === 'deny' ? 'bad' : decision.outcome === 'allow' ? 'ok' : 'warn';
  return (
    <div className="kp-notice" data-tone={tone} data-outcome={decision.outcome}>
      <p className="kp-mono" {...raw()}>
        {preview.choice.executable}
      </p>
      {decision.outcome === 'allow' ? <p>{t('preview.allow')}</p> : null}
      {decision.outcome === 'deny' ? (
        <p>
          {t('preview.deny')} <ReasonText reason={decision.reason} detail={decision.reasonDetail} />
        </p>
      ) : null}
      {decision.outcome === 'controls' ? (
        <>
          <p>{t('preview.controls')}</p>
          <ol data-testid="controls">
            {decision.controls.map((control) => (
              <li key={control}>{t(`control.${control}`)}</li>
            ))}
          </ol>
        </>
      ) : null}
      {preview.policies.length > 0 ? (
        <p>
          {t('preview.policies', { count: preview.policies.length })} <span {...raw()}>{preview.policies.join(', ')}</span>
        </p>
      ) : null}
    </div>
  );
}

function Choices() {
  const { t } = useTranslation('quickElevate');
  const { choices } = useQuickElevate();
  if (!choices) return null;
  return (
    <>
      <ChoiceList heading={t('recent.heading')} empty={t('recent.none')} choices={choices.recent} testId="recent" />
      <ChoiceList
        heading={t('allowed.heading')}
        empty={choices.allowedProblem ? t('allowed.problem', { problem: shownProblem(t, choices.allowedProblem) }) : t('allowed.none')}
        choices={choices.allowed}
        testId="allowed"
      />
    </>
  );
}

function ChoiceList({ heading, empty, choices, testId }: { heading: string; empty: string; choices: QuickElevateChoice[]; testId: string }) {
  const headingId = useId();
  const { t } = useTranslation('quickElevate');
  return (
    <section className="kp-card" aria-labelledby={headingId}>
      <h2 id={headingId}>{heading}</h2>
      {choices.length === 0 ? (
        <p className="kp-muted" data-testid={`${testId}-empty`}>
          {empty}
        </p>
      ) : (
        <ul className="kp-list" data-testid={testId}>
          {choices.map((choice) => (
            <li key={choice.commandLine}>
              <span>
                <span {...raw()}>{choice.name}</span>{' '}
                <span className="kp-mono kp-muted" {...raw()}>
                  {choice.commandLine}
                </span>
              </span>
              <button
                type="button"
                className="kp-button kp-secondary"
                aria-label={t('choose', { name: choice.name })}
                onClick={() => void quickElevateActions.preview(choice.commandLine)}
              >
                {t('chooseShort')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function ProgressRow({ entry }: { entry: QuickElevateProgress }) {
  const { t } = useTranslation('quickElevate');
  return (
    <li data-request={entry.requestId} data-phase={entry.phase} className="kp-stack-tight">
      <span className="kp-stack-tight">
        <span className="kp-mono" {...raw()}>
          {entry.commandLine}
        </span>
        <span data-testid="phase-detail">
          {entry.phase === 'pending'
            ? entry.currentControl
              ? t('phase.waitingFor', { control: t(`control.${entry.currentControl}`) })
              : t('phase.deciding')
            : entry.phase === 'running'
              ? t('phase.started', { pid: entry.pid })
              : entry.phase === 'exited'
                ? entry.signal
                  ? t('phase.killed', { signal: entry.signal })
                  : t('phase.exited', { code: entry.exitCode })
                : entry.phase === 'starting'
                  ? t('phase.starting')
                  : null}
          {entry.phase === 'denied' ? <ReasonText reason={entry.reason} detail={entry.reasonDetail} /> : null}
          {entry.phase === 'failed' && entry.problem ? shownProblem(t, entry.problem) : null}
        </span>
        {entry.passed.length > 0 ? (
          <span className="kp-hint">{t('phase.passed', { controls: entry.passed.map((c) => t(`control.${c}`)).join(', ') })}</span>
        ) : null}
        {entry.outputTail ? (
          <pre className="kp-mono qe-output" aria-label={t('output')} tabIndex={0} {...raw()}>
            {entry.outputTail.trimEnd().split('\n').slice(-6).join('\n')}
          </pre>
        ) : null}
      </span>
      <StatusBadge tone={PHASE_TONE[entry.phase]} label={t(`phaseName.${entry.phase}`)} />
    </li>
  );
}
