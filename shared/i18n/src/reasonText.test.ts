import { describe, expect, it } from 'vitest';
import { ReasonDetail } from '../../protocol/src/common/methods/elevation.ts';
import { JobReasonDetail } from '../../protocol/src/common/methods/jobs.ts';
import { createI18n } from './createI18n.ts';
import { shownJobReason, VERBATIM_JOB_VALUES } from './jobReasonText.ts';
import { shownReason } from './reasonText.ts';
import { RESOURCES } from './resources.ts';

const LANGUAGES = ['en', 'de', 'fr', 'ja'] as const;
const placeholders = (text: string) => [...text.matchAll(/\{\{\s*([^}\s,]+)[^}]*\}\}/g)].map((m) => m[1]!).sort();
type Group = 'reason' | 'jobReason';
const wordsOf = (group: Group) => (lng: (typeof LANGUAGES)[number]) => (RESOURCES[lng].common as Partial<Record<Group, Record<string, string>>>)[group] ?? {};
const verbatim: readonly string[] = VERBATIM_JOB_VALUES;

describe.each([
  // From the protocol's schemas, so a code the agent can give cannot ship without its words.
  { group: 'reason', codes: ReasonDetail.options.map((option) => [option.shape.code.value, Object.keys(option.shape.values.shape).sort()] as const) },
  {
    group: 'jobReason',
    // A job reason's outside text (a condition, an OS message) is shown after the sentence, never in it.
    codes: JobReasonDetail.options.map(
      (option) =>
        [
          option.shape.code.value,
          Object.keys(option.shape.values.shape)
            .filter((key) => !verbatim.includes(key))
            .sort(),
        ] as const,
    ),
  },
] as const)('$group codes in every language', ({ group, codes }) => {
  const reasons = wordsOf(group);

  it.each(LANGUAGES)('%s words every code with exactly its values, and nothing else', (lng) => {
    const strings = reasons(lng);
    for (const [code, values] of codes) {
      expect(strings[code], `${lng}: ${code}`).toBeTypeOf('string');
      expect(placeholders(strings[code]!), `${lng}: ${code}`).toEqual(values);
    }
    expect(Object.keys(strings).sort()).toEqual(codes.map(([code]) => code).sort());
  });

  it.each(['de', 'fr', 'ja'] as const)('%s is a translation, not the English copied', (lng) => {
    const en = reasons('en');
    for (const [code] of codes) expect(reasons(lng)[code], `${lng}: ${code}`).not.toBe(en[code]);
  });
});

describe('shownReason', () => {
  const { t } = createI18n('de', 'common', RESOURCES);

  it('words a code with its values in the reader’s language', () => {
    expect(shownReason(t, 'Denied by policy "Tools".', { code: 'policy-deny', values: { policy: 'Tools' } })).toEqual({
      text: 'Durch die Richtlinie „Tools“ abgelehnt.',
      raw: false,
    });
    expect(shownReason(t, '', { code: 'offline-needs-network', values: { controls: ['MFA', 'APPROVAL'] } }).text).toBe(
      'Der Agent ist offline, und MFA, APPROVAL benötigt eine Netzwerkverbindung.',
    );
  });

  it('formats the end of an elevated session as a local date and time', () => {
    const { t: ja } = createI18n('ja', 'common', RESOURCES);
    const until = '2026-03-04T05:06:00.000Z';
    const expected = new Intl.DateTimeFormat('ja', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(until));
    expect(shownReason(ja, '', { code: 'elevated-session', values: { policy: 'Dev', until } }).text).toBe(
      `ポリシー「Dev」による昇格セッションは ${expected} まで有効です。`,
    );
  });

  it('carries an approver’s own words verbatim', () => {
    expect(shownReason(t, '', { code: 'approval-denied-comment', values: { approver: 'root', comment: 'Use the portal' } }).text).toBe(
      'Abgelehnt von root: Use the portal',
    );
  });

  it('falls back to the agent’s English, marked raw, when no code came with it', () => {
    expect(shownReason(t, 'Denied by policy "Tools".', undefined)).toEqual({ text: 'Denied by policy "Tools".', raw: true });
    expect(shownReason(t, 'Every control passed.', null)).toEqual({ text: 'Every control passed.', raw: true });
  });
});

describe('shownJobReason', () => {
  const { t } = createI18n('de', 'common', RESOURCES);

  it('words a failed task and its cause in the reader’s language', () => {
    const shown = shownJobReason(t, 'task hard failed: exited with code 3', {
      code: 'task-failed',
      values: { task: 'hard', cause: { code: 'exit-code', values: { code: 3 } } },
    });
    expect(shown).toEqual({ text: 'Aufgabe hard ist fehlgeschlagen: Mit dem Exit-Code 3 beendet.', raw: false, verbatim: [] });
  });

  it('keeps outside text (a condition’s source, an OS message) out of the sentence, verbatim', () => {
    expect(shownJobReason(t, '', { code: 'condition-false', values: { condition: 'RiskScore > 50' } })).toEqual({
      text: 'Die Bedingung ist nicht erfüllt:',
      raw: false,
      verbatim: ['RiskScore > 50'],
    });
    const cause = { code: 'start-failed', values: { executable: '/opt/x', error: 'spawn /opt/x ENOENT' } } as const;
    expect(shownJobReason(t, '', { code: 'task-failed', values: { task: 't', cause } })).toEqual({
      text: 'Aufgabe t ist fehlgeschlagen: /opt/x kann nicht gestartet werden:',
      raw: false,
      verbatim: ['spawn /opt/x ENOENT'],
    });
  });

  it('words a decision a control task ended with through the decision’s own code', () => {
    expect(shownJobReason(t, '', { code: 'decision', values: { reason: { code: 'policy-deny', values: { policy: 'Tools' } } } }).text).toBe(
      'Entscheidung: Durch die Richtlinie „Tools“ abgelehnt.',
    );
  });

  it('formats seconds as a number of the reader’s language', () => {
    const { t: fr } = createI18n('fr', 'common', RESOURCES);
    expect(shownJobReason(fr, '', { code: 'timed-out', values: { seconds: 1200 } }).text).toBe(
      `Délai dépassé après ${(1200).toLocaleString('fr')} s ; ses processus ont été arrêtés.`,
    );
  });

  it('falls back to the agent’s English, marked raw, when no code came with it', () => {
    expect(shownJobReason(t, 'the agent stopped during the run', undefined)).toEqual({ text: 'the agent stopped during the run', raw: true, verbatim: [] });
  });
});
