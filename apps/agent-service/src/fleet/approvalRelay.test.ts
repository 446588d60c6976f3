import { describe, expect, it } from 'vitest';
import type { FleetActor } from '../../../../shared/protocol/src/common/fleet.ts';
import { ApprovalRelay } from './approvalRelay.ts';
import type { FleetHttp } from './fleetHttp.ts';

/**
 * The relayed actor is the one the agent verified, whatever else reaches the relay: the protocol's
 * schemas drop unknown params today, and the relay must not depend on that staying so.
 */
describe('the approval relay speaks only for the verified actor', () => {
  const bodies: unknown[] = [];
  const http = {
    call: (_method: string, _path: string, _schema: unknown, body: unknown) => (bodies.push(body), Promise.resolve({ roles: [], approvals: [] })),
  } as unknown as FleetHttp;
  const relay = new ApprovalRelay({ http: () => http });
  const nobody: FleetActor = { uid: 65534, name: 'nobody', groups: ['nogroup'] };
  const claimed = { actor: { uid: 1002, name: 'keeper-bob', groups: ['keeper-admins'] } };

  it('decide and list send the verified actor even when the params carry another', async () => {
    await relay.decide(nobody, { approvalId: '7d3c1d5e-6d1c-4a8e-9f6a-1f6f1f0f0a01', decision: 'approve', ...claimed });
    await relay.list(nobody, { ...claimed } as Parameters<ApprovalRelay['list']>[1]);
    expect(bodies.map((b) => (b as { actor: FleetActor }).actor)).toEqual([nobody, nobody]);
  });
});
