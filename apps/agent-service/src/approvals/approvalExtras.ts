import type { Approval, ApprovalStatus, RequesterHistory } from '../../../../shared/protocol/src/common/index.ts';
import type { AgentDatabase } from '../store/database.ts';

/** What of an approval record its extras depend on. */
export interface ExtrasSource {
  readonly id: string;
  readonly request_id: string;
  readonly status: ApprovalStatus;
  readonly requester_uid: number;
  readonly requester_name: string | null;
  readonly path: string;
  readonly sha256: string | null;
}

export interface ApprovalExtras {
  readonly requesterHistory: RequesterHistory;
  readonly mfa: NonNullable<Approval['mfa']> | null;
}

interface MfaRow {
  request_id: string;
  at: string;
  actor_uid: number;
}

/**
 * What approvers see beside a record: the requester's history for the application and the
 * request's MFA verification. Computed for the given records only, with indexed lookups
 * (approvals_history, audit_events_by_request), so a page of the list costs a page whatever the
 * size of the store.
 */
export class ApprovalExtrasReader {
  // Application match: the same hash, or the same path when the file could not be hashed.
  private readonly hashed;
  private readonly unhashed;
  private readonly verified;

  constructor({ db }: { db: AgentDatabase }) {
    const counts = `SELECT COUNT(*) AS asked, SUM(status = 'Approved') AS approved, SUM(status = 'Denied') AS denied FROM approvals`;
    this.hashed = db.prepare<[number, string], RequesterHistory>(`${counts} WHERE requester_uid = ? AND sha256 = ?`);
    this.unhashed = db.prepare<[number, string], RequesterHistory>(`${counts} WHERE requester_uid = ? AND sha256 IS NULL AND path = ?`);
    this.verified = db.prepare<[string], MfaRow>(
      `SELECT request_id, at, actor_uid FROM audit_events WHERE type = 'mfa.verified' AND request_id IN (SELECT value FROM json_each(?)) ORDER BY seq`,
    );
  }

  of(rows: readonly ExtrasSource[]): ApprovalExtras[] {
    const totals = new Map<string, RequesterHistory>();
    const totalOf = (row: ExtrasSource) => {
      const key = `${row.requester_uid}|${row.sha256 ?? `path:${row.path}`}`;
      let total = totals.get(key);
      if (!total) {
        total = row.sha256 !== null ? this.hashed.get(row.requester_uid, row.sha256)! : this.unhashed.get(row.requester_uid, row.path)!;
        totals.set(key, total);
      }
      return total;
    };
    // In audit order, so the newest verification of a request is the one kept.
    const mfaByRequest = new Map(this.verified.all(JSON.stringify(rows.map((r) => r.request_id))).map((m) => [m.request_id, m]));
    return rows.map((row) => {
      const total = totalOf(row);
      const mfa = mfaByRequest.get(row.request_id);
      return {
        // The totals include the record itself.
        requesterHistory: {
          asked: total.asked - 1,
          approved: total.approved - (row.status === 'Approved' ? 1 : 0),
          denied: total.denied - (row.status === 'Denied' ? 1 : 0),
        },
        mfa: mfa ? mfaOf(row, mfa) : null,
      };
    });
  }
}

/** The requester verified MFA for this request (the only one who can): named as in the record. */
function mfaOf(row: ExtrasSource, mfa: MfaRow): NonNullable<Approval['mfa']> {
  return { verifiedAt: mfa.at, user: { uid: mfa.actor_uid, name: mfa.actor_uid === row.requester_uid ? row.requester_name : null } };
}
