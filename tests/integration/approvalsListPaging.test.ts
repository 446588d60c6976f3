import net from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import {
  ApprovalsList,
  JsonRpcErrorCodes,
  PROTOCOL_VERSION,
  SessionHello,
  type Approval,
  type ApprovalStatus,
  type ResultOf,
} from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient } from '../support/agentProcess.ts';
import { seedApprovals, wholeTableExtras, type ApprovalExtras } from '../support/approvalSeed.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';

/**
 * A page of `approvals.list` computes its records' extras (the requester's history for the
 * application, the MFA verification) for that page only; whatever the page size and the filter,
 * each record must carry what the whole table says, and the pages must add up to the list. The store
 * holds more decided records than the list's window of the newest 2,000, spread among the open ones:
 * the oldest decided ones drop out, while open requests older than them are still listed.
 */
describe('approvals.list pages: every record, and its history and MFA, as the whole table has them', () => {
  const sandbox = policyAgentSandbox();
  let client: AgentClient;
  let reference: Map<string, ApprovalExtras>;
  /** The list's order and window, straight from the SQLite file: every open record and the newest 2,000 decided ones (with `statuses`, among those). */
  let newest: (statuses?: readonly ApprovalStatus[]) => string[];

  const pages = async (limit: number, statuses?: ApprovalStatus[]) => {
    const listed: Approval[] = [];
    for (let offset: number | null | undefined = 0; offset !== null && offset !== undefined;) {
      const page: ResultOf<typeof ApprovalsList> = await client.request(ApprovalsList, { limit, offset, ...(statuses ? { statuses } : {}) });
      expect(page.approvals.length).toBeLessThanOrEqual(limit);
      listed.push(...page.approvals);
      offset = page.nextOffset;
    }
    return listed;
  };
  const extrasOf = (approvals: readonly Approval[]) => approvals.map((a) => ({ approvalId: a.approvalId, requesterHistory: a.requesterHistory, mfa: a.mfa }));
  const expectedExtras = (ids: readonly string[]) => ids.map((approvalId) => ({ approvalId, ...reference.get(approvalId)! }));

  beforeAll(async () => {
    await sandbox.start({ apps: {}, policies: [], config: { approvals: { administrators: { users: ['root'], groups: [] } } } });
    await sandbox.agent.stop();
    seedApprovals(sandbox.dataDir, { open: 8_040, decided: 2_010 });
    await sandbox.restart();
    client = await connectClient(sandbox.socket, 'desktop');
    const db = new Database(join(sandbox.dataDir, 'agent.db'), { readonly: true });
    reference = wholeTableExtras(db);
    const all = db.prepare('SELECT id, status FROM approvals ORDER BY created_at DESC, id').all() as Array<{ id: string; status: ApprovalStatus }>;
    db.close();
    const isOpen = (r: { status: ApprovalStatus }) => r.status === 'Pending' || r.status === 'Escalated';
    const keptDecided = new Set(
      all
        .filter((r) => !isOpen(r))
        .slice(0, 2_000)
        .map((r) => r.id),
    );
    const window = all.filter((r) => isOpen(r) || keptDecided.has(r.id));
    // The seed puts open requests before and after the oldest decided ones that drop out.
    const oldestKept = window.findLastIndex((r) => !isOpen(r));
    expect(window.length).toBe(8_040 + 2_000);
    expect(window.slice(oldestKept + 1).some(isOpen)).toBe(true);
    newest = (statuses) => window.filter((r) => !statuses || statuses.includes(r.status)).map((r) => r.id);
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await sandbox.dispose();
  });

  it("pages of 1,000 list every open request and the newest 2,000 decided ones once each, with the whole table's history and MFA identity on every record", async () => {
    const listed = await pages(1_000);
    expect(listed.map((a) => a.approvalId)).toEqual(newest());
    expect(extrasOf(listed)).toEqual(expectedExtras(newest()));
    // The seed gives the data both kinds of answer: histories with decisions, MFA by the requester and by someone else.
    expect(listed.some((a) => a.requesterHistory!.approved > 0 && a.requesterHistory!.denied > 0)).toBe(true);
    expect(listed.some((a) => a.mfa?.user.name !== null && a.mfa?.user.uid === a.requester.uid)).toBe(true);
    expect(listed.some((a) => a.mfa !== null && a.mfa!.user.name === null)).toBe(true);
  });

  it('small filtered pages give the same answers as one unpaged list and the whole table, wherever the boundaries fall', async () => {
    // One status, so that the unpaged answer stays under the protocol's frame size limit.
    const statuses: ApprovalStatus[] = ['Denied'];
    const paged = await pages(7, statuses);
    const unpaged = (await client.request(ApprovalsList, { statuses })).approvals;
    expect(paged.map((a) => a.approvalId)).toEqual(newest(statuses));
    expect(paged).toEqual(unpaged);
    expect(extrasOf(paged)).toEqual(expectedExtras(newest(statuses)));
  });

  it('a page past the end is empty and last; a negative offset or a zero limit from a raw client is refused by the agent', async () => {
    expect(await client.request(ApprovalsList, { limit: 500, offset: newest().length })).toMatchObject({ approvals: [], nextOffset: null });
    const last = await client.request(ApprovalsList, { limit: 500, offset: 9_999 });
    expect(last.approvals.map((a) => a.approvalId)).toEqual(newest().slice(9_999));
    expect(last.nextOffset).toBeNull();
    // A stock JSON-RPC connection: our typed client would refuse these params before sending them.
    const socket = net.connect(sandbox.socket);
    const raw = createMessageConnection(new StreamMessageReader(socket), new StreamMessageWriter(socket));
    raw.listen();
    try {
      await raw.sendRequest(SessionHello.method, { protocolVersion: PROTOCOL_VERSION, client: { kind: 'desktop', name: 'raw-test', version: '1' } });
      await expect(raw.sendRequest(ApprovalsList.method, { limit: 500, offset: -1 })).rejects.toMatchObject({ code: JsonRpcErrorCodes.InvalidParams });
      await expect(raw.sendRequest(ApprovalsList.method, { limit: 0 })).rejects.toMatchObject({ code: JsonRpcErrorCodes.InvalidParams });
      // The same connection is still served.
      expect(await raw.sendRequest(ApprovalsList.method, { limit: 1 })).toMatchObject({ approvals: [{ approvalId: newest()[0] }], nextOffset: 1 });
    } finally {
      raw.dispose();
      socket.destroy();
    }
  });
});
