import type { Approval, ApprovalStatus } from '../../../../shared/protocol/src/common/methods/approvals.ts';

export type StatusFilter = 'open' | 'all' | ApprovalStatus;
export type SortOrder = 'urgency' | 'newest';

export interface QueueFilters {
  readonly status: StatusFilter;
  /** Matched, case-insensitively, against application, command line, requester, machine and justification. */
  readonly text: string;
  readonly requester: string;
  readonly machine: string;
  readonly application: string;
  readonly sort: SortOrder;
}

export const NO_FILTERS: QueueFilters = { status: 'open', text: '', requester: '', machine: '', application: '', sort: 'urgency' };

export const isOpen = (approval: Approval) => approval.status === 'Pending' || approval.status === 'Escalated';
export const requesterName = (approval: Approval) => approval.requester.name ?? `uid ${approval.requester.uid}`;

/** What the text filter looks at, lower-cased: application, command line, requester, machine, justification. */
const searchKey = (approval: Approval) =>
  [approval.application.path, approval.application.commandLine, requesterName(approval), approval.machine, approval.justification].join('\n').toLowerCase();

/** ISO timestamps of one format order as plain strings (localeCompare would cost a collator per call). */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Open requests first, then the one whose deadline comes first; decided ones newest first. */
function byUrgency(a: Approval, b: Approval): number {
  const open = Number(isOpen(b)) - Number(isOpen(a));
  if (open !== 0) return open;
  if (isOpen(a)) return compare(a.expiresAt, b.expiresAt);
  return compare(b.createdAt, a.createdAt);
}

/**
 * The queue in its order with each request's search key beside it: built once per change of the
 * list or the order, so a keystroke only scans precomputed strings (no sorting, no lower-casing).
 */
export interface QueueIndex {
  readonly sorted: readonly Approval[];
  /** `searchKey` of `sorted[i]`, same index. */
  readonly keys: readonly string[];
}

export function indexQueue(approvals: readonly Approval[], sort: SortOrder): QueueIndex {
  const sorted = [...approvals].sort(sort === 'urgency' ? byUrgency : (a, b) => compare(b.createdAt, a.createdAt));
  return { sorted, keys: sorted.map(searchKey) };
}

/** The requests the filters let through, in the index's order. */
export function filterQueue({ sorted, keys }: QueueIndex, filters: QueueFilters): Approval[] {
  const text = filters.text.trim().toLowerCase();
  const shown: Approval[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i]!;
    if (filters.status === 'all' ? false : filters.status === 'open' ? !isOpen(a) : a.status !== filters.status) continue;
    if (filters.requester && requesterName(a) !== filters.requester) continue;
    if (filters.machine && a.machine !== filters.machine) continue;
    if (filters.application && a.application.path !== filters.application) continue;
    if (text && !keys[i]!.includes(text)) continue;
    shown.push(a);
  }
  return shown;
}

export function countByStatus(approvals: readonly Approval[]): Record<ApprovalStatus, number> {
  const counts: Record<ApprovalStatus, number> = { Pending: 0, Escalated: 0, Approved: 0, Denied: 0, Expired: 0 };
  for (const a of approvals) counts[a.status]++;
  return counts;
}

/** The distinct values a select filter offers, sorted. */
export function distinct(approvals: readonly Approval[], pick: (a: Approval) => string): string[] {
  return [...new Set(approvals.map(pick))].sort((a, b) => a.localeCompare(b));
}
