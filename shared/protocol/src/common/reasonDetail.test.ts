import { describe, expect, it } from 'vitest';
import { ElevationStatusResult, REASON_CODES, ReasonDetail } from './index.ts';

const status = (reasonDetail: unknown) => ({
  requestId: 'r-1',
  state: 'denied',
  reason: 'Denied by policy "Tools".',
  reasonDetail,
  currentControl: null,
  passed: [],
  updatedAt: '2026-01-02T03:04:05.000Z',
});

describe('reason details on the wire', () => {
  it('keeps a known code with its values', () => {
    expect(ElevationStatusResult.parse(status({ code: 'policy-deny', values: { policy: 'Tools' } })).reasonDetail).toEqual({
      code: 'policy-deny',
      values: { policy: 'Tools' },
    });
  });

  it('reads a code it does not know (a newer agent), or values that do not fit, as absent: the English reason still arrives', () => {
    for (const detail of [
      { code: 'from-the-future', values: {} },
      { code: 'policy-deny', values: {} },
      { code: 'elevated-session', values: { policy: 'P', until: 'tomorrow' } },
    ]) {
      const parsed = ElevationStatusResult.parse(status(detail));
      expect(parsed.reasonDetail, JSON.stringify(detail)).toBeUndefined();
      expect(parsed.reason).toBe('Denied by policy "Tools".');
    }
  });

  it('gives every code once', () => {
    expect(new Set(REASON_CODES).size).toBe(ReasonDetail.options.length);
  });
});
