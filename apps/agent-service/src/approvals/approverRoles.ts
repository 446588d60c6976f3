import type { Account } from '../identity/accounts.ts';
import type { ApprovalSettings } from './approvalSettings.ts';

export type ApprovalRole = 'administrator' | 'approver' | 'secondaryApprover';

/**
 * Who administers and who approves on this machine, from the approval settings and the account
 * directory. Several features ask (agent settings, audit queries, jobs, approvals), so it stands
 * apart from the approval flow.
 */
export class ApproverRoles {
  private readonly settings: Pick<ApprovalSettings, 'administrators' | 'approvers' | 'secondaryApprovers'>;
  private readonly accounts: (uid: number) => Promise<Account>;

  constructor({
    settings,
    accounts,
  }: {
    settings: Pick<ApprovalSettings, 'administrators' | 'approvers' | 'secondaryApprovers'>;
    accounts: (uid: number) => Promise<Account>;
  }) {
    this.settings = settings;
    this.accounts = accounts;
  }

  /** The caller's roles; the directory may be slow, so they are awaited, never looked up blocking. */
  async rolesOf(uid: number | null): Promise<ApprovalRole[]> {
    return uid === null ? [] : this.ofAccount(uid, await this.accounts(uid));
  }

  /** The roles of an account already looked up. */
  ofAccount(uid: number, account: Account): ApprovalRole[] {
    const isIn = (p: { users: string[]; groups: string[] }) =>
      (account.name !== null && p.users.includes(account.name)) || p.users.includes(String(uid)) || account.groups.some((g) => p.groups.includes(g));
    const roles: ApprovalRole[] = [];
    if (isIn(this.settings.administrators)) roles.push('administrator');
    if (isIn(this.settings.approvers)) roles.push('approver');
    if (isIn(this.settings.secondaryApprovers)) roles.push('secondaryApprover');
    return roles;
  }
}
