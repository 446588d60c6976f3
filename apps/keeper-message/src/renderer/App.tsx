import { useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { PromptShow } from '../../../../shared/protocol/src/common/methods/prompt.ts';
import { AnswerFailure, PromptWindow, useEscapeKey, usePromptAnswer } from '../../../../shared/ui/src/PromptWindow.tsx';
import type { Tone } from '../../../../shared/ui/src/StatusBadge.tsx';
import { SubjectCard } from '../../../../shared/ui/src/SubjectCard.tsx';
import type { WindowProps } from '../../../../shared/ui/src/bootstrapWindow.tsx';
import { NoticeText } from './NoticeText.tsx';
import { useMessageWindow } from './store.ts';
import { useFocusOnMount } from '../../../../shared/ui/src/useFocusOnMount.ts';

type MessageDetails = NonNullable<PromptShow['message']>;

const TONE: Record<MessageDetails['tone'], Tone> = { info: 'neutral', success: 'ok', warning: 'warn', error: 'bad' };

/** Only a notice that needs acknowledging holds the request up, so only it counts down. */
const blocks = (prompt: PromptShow) => prompt.message?.requiresAcknowledge ?? true;

export function App({ theme }: WindowProps) {
  return (
    <PromptWindow theme={theme} state={useMessageWindow()} namespace="message" countdown={blocks}>
      {(prompt) => <MessagePrompt prompt={prompt} />}
    </PromptWindow>
  );
}

function MessagePrompt({ prompt }: { prompt: PromptShow }) {
  const { t } = useTranslation('message');
  const details: MessageDetails = prompt.message ?? { text: '', requiresAcknowledge: true, tone: 'info' };
  const required = blocks(prompt);
  const { busy, failure, answer } = usePromptAnswer(prompt.promptId);
  const headingId = useId();
  const textId = useId();
  const commentId = useId();
  const hintId = useId();
  const button = useRef<HTMLButtonElement>(null);

  useFocusOnMount(button);
  // Closing a notice that must be acknowledged cancels the request; closing one that blocks nothing
  // just dismisses it (acknowledged, so the agent closes it).
  const acknowledge = () => void answer({ kind: 'message', acknowledged: true });
  const cancel = () => void answer({ kind: 'cancel' });
  useEscapeKey(required ? cancel : acknowledge);

  return (
    <>
      <section className="kp-card" aria-labelledby={headingId}>
        <h2 id={headingId}>{details.reasonDetail ? t('aboutRequest') : t('heading')}</h2>
        <div className="kp-notice" data-tone={TONE[details.tone]}>
          <NoticeText details={details} id={textId} commentId={commentId} />
        </div>
        <p id={hintId} className="kp-hint kp-below" data-testid="message-hint">
          {required ? t('acknowledgeHint') : details.reasonDetail ? t('aboutRequestHint') : t('infoHint')}
        </p>
      </section>
      <SubjectCard subject={prompt.subject} />
      <AnswerFailure failure={failure} />
      <div className="kp-actions">
        {required ? (
          <button type="button" className="kp-button kp-secondary" disabled={busy} onClick={cancel}>
            {t('cancel')}
          </button>
        ) : null}
        <button ref={button} type="button" className="kp-button" disabled={busy} aria-describedby={`${textId} ${commentId} ${hintId}`} onClick={acknowledge}>
          {required ? t('acknowledge') : t('close')}
        </button>
      </div>
    </>
  );
}
