import { ServiceDispatcher, bindService, type ServiceBinding } from '../../../../shared/bridge/src/main/serviceDispatcher.ts';
import { AgentStatusService } from '../../../../shared/bridge/src/common/services/agentStatus.ts';
import { JustificationPromptService } from '../../../../shared/bridge/src/common/services/prompts.ts';
import type { PromptKind } from '../../../../shared/protocol/src/common/index.ts';
import { PromptCenter } from './prompts/promptCenter.ts';
import { WINDOW_SERVICES, type WindowId } from '../../../../shared/bridge/src/common/windows.ts';
import { AgentLink } from './agent/agentLink.ts';
import type { WindowHost } from './hosts/windowHost.ts';
import { agentStatusMainService } from './services/agentStatusMainService.ts';

export interface DesktopOptions {
  readonly socketPath: string;
  readonly version: string;
}

export interface DesktopApp {
  readonly agent: AgentLink;
  /** The services a window may reach, bound to their implementations. */
  dispatcherFor(id: WindowId): ServiceDispatcher;
  attach(host: WindowHost): void;
  stop(): Promise<void>;
}

/**
 * The main process's composition root: one agent link, the service implementations over it, and a
 * dispatcher per window that holds only the services that window was granted. Policy is never
 * decided here; every answer comes from the agent.
 */
export function createDesktopApp(options: DesktopOptions): DesktopApp {
  const agent = new AgentLink({ socketPath: options.socketPath, clientVersion: options.version });
  let host: WindowHost | null = null;
  const windowFor: Partial<Record<PromptKind, WindowId>> = { justification: 'keeper-justification' };
  const prompts = new PromptCenter(
    agent,
    (kind) => {
      const id = windowFor[kind];
      if (id) void host?.open(id);
    },
    (kind) => {
      const id = windowFor[kind];
      if (id) host?.close(id);
    },
  );
  const bindings: ReadonlyMap<string, ServiceBinding> = new Map([
    [AgentStatusService.channel, bindService(AgentStatusService, agentStatusMainService(agent))],
    [
      JustificationPromptService.channel,
      bindService(JustificationPromptService, {
        queue$: () => prompts.queue$('justification'),
        respond: (promptId, response) => prompts.respond('justification', promptId, response),
      }),
    ],
  ]);

  return {
    agent,
    dispatcherFor(id) {
      return new ServiceDispatcher(
        WINDOW_SERVICES[id].map((descriptor) => {
          const binding = bindings.get(descriptor.channel);
          if (!binding) throw new Error(`no implementation is bound for ${descriptor.channel}`);
          return binding;
        }),
      );
    },
    attach(windowHost) {
      host = windowHost;
      agent.start();
    },
    async stop() {
      agent.stop();
      await host?.dispose();
    },
  };
}
