import { EditCancel, EditCommit, EditCopy, EditOpen } from '../../../../shared/protocol/src/common/index.ts';
import type { EditService } from '../edit/editService.ts';
import { route, type RegisteredHandler } from '../ipc/agentConnection.ts';

/** keeper-edit: each method acts for the user the kernel says is calling, on that user's own edits only. */
export function editHandlers(edits: EditService): RegisteredHandler[] {
  return [
    route(EditOpen, (params, context) => edits.open(params, context.peer, context.connectionId)),
    route(EditCopy, (params, context) => edits.copy(params.requestId, context.peer)),
    route(EditCommit, (params, context) => edits.commit(params.requestId, context.peer)),
    route(EditCancel, (params, context) => edits.cancel(params.requestId, context.peer)),
  ];
}
