import { AgentStatusRequest } from '../../../../shared/protocol/src/common/index.ts';
import { route, type RegisteredHandler } from '../ipc/agentConnection.ts';
import type { StatusService } from '../status/statusService.ts';

export function agentHandlers(status: StatusService): RegisteredHandler[] {
  return [route(AgentStatusRequest, () => status.snapshot())];
}
