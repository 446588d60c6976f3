import { describe, expect, it } from 'vitest';
import type { Approval } from '../../../../shared/protocol/src/common/methods/approvals.ts';
import { filterQueue, indexQueue, NO_FILTERS } from './queueFilter.ts';

const approval = (id: string, over: Partial<Approval> & { path?: string; user?: string } = {}): Approval => ({
  approvalId: id,
  requestId: `r-${id}`,
  status: 'Pending',
  requester: { uid: 1000, name: over.user ?? 'ana' },
  machine: 'host1',
  application: { path: over.path ?? '/usr/bin/apt', sha256: null, commandLine: `${over.path ?? '/usr/bin/apt'} install htop` },
  justification: 'Patch Tuesday',
  matchedPolicies: [],
  createdAt: '2026-11-23T10:00:00.000Z',
  expiresAt: '2026-11-23T10:30:00.000Z',
  escalatedAt: null,
  decision: null,
  ...over,
});

describe('approver queue filtering', () => {
  const list = [
    approval('late', { expiresAt: '2026-11-23T11:00:00.000Z', user: 'Bob' }),
    approval('soon', { expiresAt: '2026-11-23T10:05:00.000Z', path: '/usr/bin/DOCKER' }),
    approval('done', { status: 'Denied', createdAt: '2026-11-23T09:00:00.000Z' }),
  ];

  it('sorts by urgency once (open first, nearest deadline first) and keeps that order when filtering', () => {
    const index = indexQueue(list, 'urgency');
    expect(index.sorted.map((a) => a.approvalId)).toEqual(['soon', 'late', 'done']);
    expect(filterQueue(index, NO_FILTERS).map((a) => a.approvalId)).toEqual(['soon', 'late']);
    expect(filterQueue(index, { ...NO_FILTERS, status: 'all' }).map((a) => a.approvalId)).toEqual(['soon', 'late', 'done']);
    expect(filterQueue(index, { ...NO_FILTERS, status: 'Denied' }).map((a) => a.approvalId)).toEqual(['done']);
  });

  it('matches text case-insensitively against the precomputed keys (program, requester, justification)', () => {
    const index = indexQueue(list, 'urgency');
    expect(index.keys[0]).toContain('/usr/bin/docker');
    expect(filterQueue(index, { ...NO_FILTERS, text: '  Docker ' }).map((a) => a.approvalId)).toEqual(['soon']);
    expect(filterQueue(index, { ...NO_FILTERS, text: 'bob' }).map((a) => a.approvalId)).toEqual(['late']);
    expect(filterQueue(index, { ...NO_FILTERS, text: 'patch tuesday', requester: 'Bob' }).map((a) => a.approvalId)).toEqual(['late']);
    expect(filterQueue(index, { ...NO_FILTERS, text: 'nothing like this' })).toEqual([]);
  });
});
