import { describe, expect, it } from 'vitest';
import type { QuickElevateProgress } from '../../../../../shared/bridge/src/common/services/quickElevate.ts';
import { createMainI18n } from '../tray/mainI18n.ts';
import { resultToast } from './resultToasts.ts';

const entry = (change: Partial<QuickElevateProgress>): QuickElevateProgress => ({
  requestId: 'r-1',
  commandLine: 'gparted',
  phase: 'pending',
  decision: 'pending',
  currentControl: null,
  passed: [],
  reason: '',
  reasonDetail: null,
  problem: null,
  pid: null,
  exitCode: null,
  signal: null,
  outputTail: '',
  updatedAt: '2026-11-23T10:00:00.000Z',
  ...change,
});

describe('quick-elevate result toasts', () => {
  it('words a failure in the desktop’s language, from its code', () => {
    const failed = entry({ phase: 'failed', decision: 'allowed', problem: { code: 'agent-gone', values: {} } });
    expect(resultToast(failed, createMainI18n('de-DE').t)).toMatchObject({
      title: 'Erhöhung fehlgeschlagen',
      body: 'gparted: Der Keeper-Agent war weg, bevor dies fertig war.',
    });
    expect(resultToast(failed, createMainI18n('en').t)).toMatchObject({ body: 'gparted: The Keeper agent went away before this finished.' });
  });

  it('words a denial that carries a reason code in the desktop’s language', () => {
    const denied = entry({
      phase: 'denied',
      decision: 'denied',
      reason: 'Denied by policy "Disk tools".',
      reasonDetail: { code: 'policy-deny', values: { policy: 'Disk tools' } },
    });
    expect(resultToast(denied, createMainI18n('de-DE').t)).toMatchObject({ body: 'gparted: Durch die Richtlinie „Disk tools“ abgelehnt.' });
  });

  it('gives a denial the policy’s own message', () => {
    const denied = entry({ phase: 'denied', decision: 'denied', reason: 'Partition tools need IT.' });
    expect(resultToast(denied, createMainI18n('fr').t)).toMatchObject({ body: 'gparted : Partition tools need IT.' });
  });
});
