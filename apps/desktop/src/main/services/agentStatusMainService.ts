import type { AgentStatusService } from '../../../../../shared/bridge/src/common/services/agentStatus.ts';
import type { ServiceImplementation } from '../../../../../shared/bridge/src/common/serviceDescriptor.ts';
import type { AgentLink } from '../agent/agentLink.ts';

/** The bridge face of the agent link: read-only status, plus an explicit refresh. */
export function agentStatusMainService(link: AgentLink): ServiceImplementation<typeof AgentStatusService> {
  return {
    status$: () => link.status$,
    refresh: () => link.refresh(),
  };
}
