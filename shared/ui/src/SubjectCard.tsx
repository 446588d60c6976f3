import { useId, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { PromptShow } from '../../protocol/src/common/methods/prompt.ts';
import { raw } from './raw.ts';

/** The file name of a path, either separator. */
export function basename(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** One term and its value in a card's fact list; `data` when the value is data rather than our words. */
export function Fact({
  label,
  mono = false,
  data = false,
  testId,
  children,
}: {
  label: string;
  mono?: boolean;
  data?: boolean;
  testId?: string;
  children: ReactNode;
}) {
  return (
    <>
      <dt>{label}</dt>
      <dd className={mono ? 'kp-mono' : undefined} data-testid={testId} {...raw(data)}>
        {children}
      </dd>
    </>
  );
}

/**
 * What a prompt is about: the program, its command line and hash, and the policy that asks. Windows
 * add their own facts (`children`, as <Fact>s) before the common ones.
 */
export function SubjectCard({ subject, heading, children }: { subject: PromptShow['subject']; heading?: string; children?: ReactNode }) {
  const { t } = useTranslation('common');
  const headingId = useId();
  return (
    <section className="kp-card" aria-labelledby={headingId}>
      <h2 id={headingId}>{heading ?? t('subject.heading', { name: basename(subject.executable) })}</h2>
      <dl className="kp-facts">
        {children}
        <Fact label={t('subject.path')} mono data testId="subject-path">
          {subject.executable}
        </Fact>
        <Fact label={t('subject.commandLine')} mono data testId="subject-command">
          {subject.commandLine}
        </Fact>
        <Fact label={t('subject.sha256')} mono data={subject.sha256 !== null}>
          {subject.sha256 ?? t('subject.unknown')}
        </Fact>
        <Fact label={t('subject.policy')} data={subject.policyNames.length > 0}>
          {subject.policyNames.join(', ') || t('subject.unknown')}
        </Fact>
      </dl>
    </section>
  );
}
