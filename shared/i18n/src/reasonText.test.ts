import { describe, expect, it } from 'vitest';
import { ReasonDetail } from '../../protocol/src/common/methods/elevation.ts';
import { createI18n } from './createI18n.ts';
import { shownReason } from './reasonText.ts';
import { RESOURCES } from './resources.ts';

const LANGUAGES = ['en', 'de', 'fr', 'ja'] as const;
const placeholders = (text: string) => [...text.matchAll(/\{\{\s*([^}\s,]+)[^}]*\}\}/g)].map((m) => m[1]!).sort();
const reasons = (lng: (typeof LANGUAGES)[number]) => (RESOURCES[lng].common as { reason?: Record<string, string> }).reason ?? {};

describe('reason codes in every language', () => {
  // From the protocol's schema, so a code the agent can give cannot ship without its words.
  const codes = ReasonDetail.options.map((option) => [option.shape.code.value, Object.keys(option.shape.values.shape).sort()] as const);

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
    expect(shownReason(t, 'Denied by policy "Tools".', { code: 'policy-deny', values: { policy: 'Tools' } })).toEqual({ text: 'Durch die Richtlinie „Tools“ abgelehnt.', raw: false });
    expect(shownReason(t, '', { code: 'offline-needs-network', values: { controls: ['MFA', 'APPROVAL'] } }).text).toBe(
      'Der Agent ist offline, und MFA, APPROVAL benötigt eine Netzwerkverbindung.',
    );
  });

  it('formats the end of an elevated session as a local date and time', () => {
    const { t: ja } = createI18n('ja', 'common', RESOURCES);
    const until = '2026-03-04T05:06:00.000Z';
    const expected = new Intl.DateTimeFormat('ja', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(until));
    expect(shownReason(ja, '', { code: 'elevated-session', values: { policy: 'Dev', until } }).text).toBe(`ポリシー「Dev」による昇格セッションは ${expected} まで有効です。`);
  });

  it('carries an approver’s own words verbatim', () => {
    expect(shownReason(t, '', { code: 'approval-denied-comment', values: { approver: 'root', comment: 'Use the portal' } }).text).toBe('Abgelehnt von root: Use the portal');
  });

  it('falls back to the agent’s English, marked raw, when no code came with it', () => {
    expect(shownReason(t, 'Denied by policy "Tools".', undefined)).toEqual({ text: 'Denied by policy "Tools".', raw: true });
    expect(shownReason(t, 'Every control passed.', null)).toEqual({ text: 'Every control passed.', raw: true });
  });
});
