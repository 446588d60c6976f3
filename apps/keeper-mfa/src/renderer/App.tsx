import { useEffect, useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { PromptRespondResult, PromptResponse, PromptShow } from '../../../../shared/protocol/src/common/methods/prompt.ts';
import { AnswerFailure, PromptWindow, useEscapeKey, usePromptAnswer } from '../../../../shared/ui/src/PromptWindow.tsx';
import { ReasonText } from '../../../../shared/ui/src/ReasonText.tsx';
import { Fact, SubjectCard } from '../../../../shared/ui/src/SubjectCard.tsx';
import type { WindowProps } from '../../../../shared/ui/src/bootstrapWindow.tsx';
import { CodeForm, type Refusal } from './CodeForm.tsx';
import { EnrollmentCodeForm } from './EnrollmentCodeForm.tsx';
import { useMfaWindow, type EndedRequest, type Enrollment } from './store.ts';

export function App({ theme }: WindowProps) {
  const state = useMfaWindow();
  return (
    <PromptWindow theme={theme} state={state} namespace="mfa" idle={state.ended ? <EndedNotice ended={state.ended} /> : null}>
      {(prompt) => <MfaPrompt prompt={prompt} />}
    </PromptWindow>
  );
}

/** Why the agent ended the request after refusing a code (instead of "nothing pending"). */
function EndedNotice({ ended }: { ended: EndedRequest }) {
  return (
    <div className="kp-notice" data-tone="bad" role="status" data-testid="request-ended">
      <p>
        <ReasonText reason={ended.reason} detail={ended.detail} testId="ended-reason" />
      </p>
    </div>
  );
}

/** The base32 secret in groups of four, as authenticator apps print it. */
function groupSecret(secret: string): string {
  return (secret.replace(/=+$/, '').match(/.{1,4}/g) ?? []).join(' ');
}

function MfaPrompt({ prompt }: { prompt: PromptShow }) {
  const enrollment = useMfaWindow((s) => s.enrollment);
  const setEnded = useMfaWindow((s) => s.setEnded);
  // A new prompt replaces the reason an earlier one ended with.
  useEffect(() => setEnded(null), [setEnded]);
  const { busy, failure, answer } = usePromptAnswer(prompt.promptId);
  const cancel = () => void answer({ kind: 'cancel' });
  useEscapeKey(cancel);
  // Not enrolled (or the agent said so after all): set the app up first, then ask for a code.
  const mustEnroll = enrollment.step !== 'done' && (prompt.mfa?.enrolled === false || enrollment.step !== 'none');
  return (
    <>
      {mustEnroll ? (
        <EnrollmentStep onCancel={cancel} busy={busy} />
      ) : (
        <CodeStep prompt={prompt} enrollment={enrollment} answer={answer} onCancel={cancel} busy={busy} />
      )}
      <AnswerFailure failure={failure} />
    </>
  );
}

function EnrollmentStep({ onCancel, busy }: { onCancel: () => void; busy: boolean }) {
  const { t } = useTranslation('mfa');
  const enrollment = useMfaWindow((s) => s.enrollment);
  const begin = useMfaWindow((s) => s.beginEnrollment);
  const askCode = useMfaWindow((s) => s.askEnrollmentCode);
  const confirm = useMfaWindow((s) => s.confirmEnrollment);
  const headingId = useId();

  if (enrollment.step === 'none' || enrollment.step === 'code') {
    return (
      <section className="kp-card" aria-labelledby={headingId}>
        <h2 id={headingId}>{t('enroll.heading')}</h2>
        <p className="kp-muted">{t('enroll.intro')}</p>
        <p>{t('enroll.enrollmentCodeIntro')}</p>
        <EnrollmentCodeForm
          problem={enrollment.step === 'code' && enrollment.problem ? t(`enroll.problem.${enrollment.problem}`) : null}
          onCode={(code) => void begin(code)}
          onCancel={onCancel}
          busy={busy}
        />
      </section>
    );
  }
  if (enrollment.step === 'failed') {
    return (
      <>
        <div className="kp-notice" data-tone="bad" role="alert" data-testid="enroll-problem">
          <p>{t(`enroll.problem.${enrollment.reason}`)}</p>
        </div>
        <div className="kp-actions">
          <button type="button" className="kp-button kp-secondary" disabled={busy} onClick={onCancel}>
            {t('cancel')}
          </button>
          <button type="button" className="kp-button" onClick={askCode}>
            {t('enroll.retry')}
          </button>
        </div>
      </>
    );
  }
  if (enrollment.step !== 'scan') {
    return (
      <div className="kp-notice" data-tone="neutral" role="status">
        <p>{t('enroll.starting')}</p>
      </div>
    );
  }
  const { data } = enrollment;
  const onCode = async (code: string): Promise<Refusal | null> => {
    const confirmed = await confirm(code);
    return confirmed.ok ? null : { problem: t(`enroll.problem.${confirmed.reason}`) };
  };
  return (
    <>
      <section className="kp-card" aria-labelledby={headingId}>
        <h2 id={headingId}>{t('enroll.heading')}</h2>
        <p className="kp-muted">{t('enroll.intro')}</p>
        <div className="kp-enroll">
          <img className="kp-qr" src={data.qrPngDataUrl} width={176} height={176} alt={t('enroll.qrAlt', { account: data.account })} data-testid="enroll-qr" />
          <ol className="kp-steps">
            <li>{t('enroll.step1')}</li>
            <li>{t('enroll.step2')}</li>
            <li>{t('enroll.step3')}</li>
          </ol>
        </div>
        <dl className="kp-facts kp-enroll-facts">
          <Fact label={t('enroll.account')}>{t('enroll.accountValue', { issuer: data.issuer, account: data.account })}</Fact>
          <Fact label={t('enroll.secret')} testId="enroll-secret">
            <span className="kp-secret" data-raw="">
              {groupSecret(data.secret)}
            </span>
          </Fact>
        </dl>
      </section>
      <CodeForm label={t('enroll.codeLabel')} hint={t('enroll.codeHint')} submitLabel={t('enroll.confirm')} onCode={onCode} onCancel={onCancel} busy={busy} />
    </>
  );
}

interface CodeStepProps {
  readonly prompt: PromptShow;
  readonly enrollment: Enrollment;
  readonly answer: (response: PromptResponse) => Promise<PromptRespondResult | null>;
  readonly onCancel: () => void;
  readonly busy: boolean;
}

function CodeStep({ prompt, enrollment, answer, onCancel, busy }: CodeStepProps) {
  const { t, i18n } = useTranslation('mfa');
  const askCode = useMfaWindow((s) => s.askEnrollmentCode);
  const setEnded = useMfaWindow((s) => s.setEnded);
  const minutes = prompt.mfa?.sessionMinutes ?? 5;
  const time = (iso: string) => new Intl.DateTimeFormat(i18n.language, { timeStyle: 'medium' }).format(new Date(iso));

  const onCode = async (code: string): Promise<Refusal | null> => {
    const result = await answer({ kind: 'mfa', code });
    if (!result || result.accepted) return null;
    if (result.reasonDetail) setEnded({ reason: result.problem ?? '', detail: result.reasonDetail });
    switch (result.reason) {
      case 'invalid':
        return { problem: result.retriesLeft === undefined ? t('invalidNoCount') : t('invalid', { count: result.retriesLeft }) };
      case 'replayed':
        return { problem: t('replayed') };
      case 'locked':
        return result.lockedUntil
          ? { problem: t('locked', { time: time(result.lockedUntil) }), lockedUntil: result.lockedUntil }
          : { problem: t('lockedNoTime') };
      case 'not-enrolled':
        askCode();
        return { problem: t('notEnrolled') };
      default:
        return { problem: result.problem ?? t('common:rejected') };
    }
  };

  return (
    <>
      <SubjectCard subject={prompt.subject} />
      {enrollment.step === 'done' ? (
        <div className="kp-notice" data-tone="ok" role="status" data-testid="enrolled-note">
          <p>{enrollment.codeSpent ? t('enroll.done') : t('enroll.alreadyEnrolled')}</p>
        </div>
      ) : null}
      <CodeForm label={t('codeLabel')} hint={t('session', { count: minutes })} submitLabel={t('verify')} onCode={onCode} onCancel={onCancel} busy={busy} />
    </>
  );
}
