import { AgentError, AgentErrorCodes } from '../../../../shared/protocol/src/common/index.ts';
import type { FleetActor } from '../../../../shared/protocol/src/common/fleet.ts';
import type { Account } from '../identity/accounts.ts';

/**
 * The person behind a window's connection, as the kernel and the account database say (never the
 * window's own words): what the fleet checks approver roles against.
 */
export async function actorOf(uid: number | null, accounts: (uid: number) => Promise<Account>): Promise<FleetActor> {
  if (uid === null) throw new AgentError(AgentErrorCodes.Unauthorized, 'the agent cannot tell who is calling, so it cannot speak for you to the fleet');
  const account = await accounts(uid);
  if (account.name === null)
    throw new AgentError(AgentErrorCodes.Unauthorized, 'your account has no name on this machine, so the fleet cannot check your approver role');
  return { uid, name: account.name, groups: [...account.groups] };
}
