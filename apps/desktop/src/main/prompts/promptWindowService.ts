import { distinctUntilChanged, of, switchMap } from 'rxjs';
import type { PromptKind } from '../../../../../shared/protocol/src/common/index.ts';
import type { ServiceImplementation } from '../../../../../shared/bridge/src/common/serviceDescriptor.ts';
import type { PromptQueueView, PromptServiceDescriptor } from '../../../../../shared/bridge/src/common/services/prompts.ts';
import type { Presence } from '../hosts/windowHost.ts';
import type { PromptCenter } from './promptCenter.ts';

const NOTHING_SHOWN: PromptQueueView = { current: null, waiting: 0 };

/**
 * The prompt service of one loaded window page of `kind`. A pre-warmed spare is granted the service
 * but is not the presented window: until it is, it sees an empty queue and cannot answer, so a prompt
 * reaches only the page presented for it. A page that stopped being presented never sees one again.
 */
export function promptWindowService(prompts: PromptCenter, kind: PromptKind, presence: Presence): ServiceImplementation<PromptServiceDescriptor> {
  return {
    queue$: () =>
      presence.pipe(
        distinctUntilChanged(),
        switchMap((presented) => (presented ? prompts.queue$(kind) : of(NOTHING_SHOWN))),
      ),
    respond: (promptId, response) =>
      presence.value ? prompts.respond(kind, promptId, response) : Promise.reject(new Error(`this ${kind} window is not presented: it holds no prompt`)),
  };
}
