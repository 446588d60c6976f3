import { useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { PromptShow } from '../../../../shared/protocol/src/common/methods/prompt.ts';
import { AnswerFailure, PromptWindow, useEscapeKey, usePromptAnswer } from '../../../../shared/ui/src/PromptWindow.tsx';
import { basename, Fact, SubjectCard } from '../../../../shared/ui/src/SubjectCard.tsx';
import type { WindowProps } from '../../../../shared/ui/src/bootstrapWindow.tsx';
import { useApprovalWindow } from './store.ts';
import { useFocusOnMount } from '../../../../shared/ui/src/useFocusOnMount.ts';

export function App({ theme }: WindowProps) {
  return (
    <PromptWindow theme={theme} state={useApprovalWindow()} namespace="approval">
      {(prompt) => <ApprovalPrompt prompt={prompt} />}
    </PromptWindow>
  );
}

/** End-user approval: the person at the endpoint approves or denies what an agent or process wants to do. */
function ApprovalPrompt({ prompt }: { prompt: PromptShow }) {
  const { t, i18n } = useTranslation('approval');
  const { subject } = prompt;
  const details = prompt.operatorApproval ?? { agentProcess: subject.executable, aiLikelihoodPercent: null, onTimeout: 'deny' as const };
  const actedFor = details.agentProcess !== subject.executable;
  const { busy, failure, answer } = usePromptAnswer(prompt.promptId);
  const deny = useRef<HTMLButtonElement>(null);
  const questionId = useId();
  const hintId = useId();

  // The safe default has the focus: Enter alone never approves.
  useFocusOnMount(deny);
  useEscapeKey(() => void answer({ kind: 'cancel' }));
  const decide = (approve: boolean) => void answer({ kind: 'operatorApproval', approve });
  const percent = (value: number) => new Intl.NumberFormat(i18n.language, { style: 'percent', maximumFractionDigits: 0 }).format(value / 100);

  return (
    <>
      <SubjectCard
        subject={subject}
        heading={actedFor ? t('agentHeading', { agent: basename(details.agentProcess), name: basename(subject.executable) }) : undefined}
      >
        {actedFor ? (
          <Fact label={t('actingProcess')} mono data testId="agent-process">
            {details.agentProcess}
          </Fact>
        ) : null}
        {details.aiLikelihoodPercent !== null ? (
          <Fact label={t('aiLikelihood')} data testId="ai-likelihood">
            {percent(details.aiLikelihoodPercent)}
          </Fact>
        ) : null}
      </SubjectCard>
      <div className="kp-notice" data-tone={details.onTimeout === 'allow' ? 'warn' : 'neutral'} data-testid="on-timeout">
        <p>{details.onTimeout === 'allow' ? t('timeoutAllow') : t('timeoutDeny')}</p>
      </div>
      <div role="group" className="kp-stack-tight" aria-labelledby={questionId} aria-describedby={hintId}>
        <p id={questionId} className="kp-question">
          {t('question')}
        </p>
        <p id={hintId} className="kp-hint">
          {t('keyboardHint')}
        </p>
        <AnswerFailure failure={failure} />
        <div className="kp-actions">
          <button ref={deny} type="button" className="kp-button kp-secondary" disabled={busy} onClick={() => decide(false)}>
            {t('deny')}
          </button>
          <button type="button" className="kp-button" disabled={busy} onClick={() => decide(true)}>
            {t('approve')}
          </button>
        </div>
      </div>
    </>
  );
}
