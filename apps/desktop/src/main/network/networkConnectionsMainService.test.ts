import { describe, expect, it } from 'vitest';
import type { TrackedElevation } from '../elevation/elevationRunner.ts';
import { actionResult } from './networkConnectionsMainService.ts';

const finished = (change: Partial<TrackedElevation>): TrackedElevation => ({
  requestId: 'r-1',
  commandLine: '/usr/sbin/ip link set dev eth9 up',
  phase: 'exited',
  decision: 'allowed',
  currentControl: null,
  passed: [],
  reason: 'allowed by policy',
  reasonDetail: null,
  problem: null,
  pid: 42,
  exitCode: 0,
  signal: null,
  outputTail: '',
  updatedAt: '2026-11-23T10:00:00.000Z',
  ...change,
});

describe('what a finished network change tells the window', () => {
  const logged: string[] = [];
  const log = (shown: { code: string }, raw: string) => void logged.push(`${shown.code}: ${raw}`);

  it('gives a code for a tool that failed, and keeps what the tool printed for the log', () => {
    expect(actionResult(finished({ exitCode: 2, outputTail: 'RTNETLINK answers: Operation not permitted\n' }), log)).toEqual({
      outcome: 'failed',
      requestId: 'r-1',
      problem: { code: 'exit-code', values: { code: 2 } },
    });
    expect(actionResult(finished({ exitCode: null, signal: 'SIGKILL' }), log)).toMatchObject({ problem: { code: 'signal', values: { signal: 'SIGKILL' } } });
    expect(logged).toEqual([
      'exit-code: /usr/sbin/ip link set dev eth9 up: RTNETLINK answers: Operation not permitted',
      'signal: /usr/sbin/ip link set dev eth9 up: (no output)',
    ]);
  });

  it('passes the policy’s message on a denial, and the runner’s problem on a failure', () => {
    expect(actionResult(finished({ phase: 'denied', decision: 'denied', reason: 'Network changes need IT.' }), log)).toEqual({
      outcome: 'denied',
      requestId: 'r-1',
      reason: 'Network changes need IT.',
      reasonDetail: null,
    });
    expect(actionResult(finished({ phase: 'failed', problem: { code: 'agent-gone', values: {} } }), log)).toMatchObject({ problem: { code: 'agent-gone' } });
    expect(actionResult(finished({}), log)).toEqual({ outcome: 'done', requestId: 'r-1' });
  });
});
