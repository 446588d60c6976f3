import { ServiceDispatcher, bindService, type ServiceBinding } from '../../../../shared/bridge/src/main/serviceDispatcher.ts';
import { AgentStatusService } from '../../../../shared/bridge/src/common/services/agentStatus.ts';
import { MfaEnrollmentService } from '../../../../shared/bridge/src/common/services/mfaEnrollment.ts';
import { PROMPT_SERVICES } from '../../../../shared/bridge/src/common/services/prompts.ts';
import type { PromptKind } from '../../../../shared/protocol/src/common/index.ts';
import { PromptCenter } from './prompts/promptCenter.ts';
import { WINDOW_SERVICES, type WindowId } from '../../../../shared/bridge/src/common/windows.ts';
import { AgentLink } from './agent/agentLink.ts';
import type { WindowHost } from './hosts/windowHost.ts';
import { agentStatusMainService } from './services/agentStatusMainService.ts';
import { mfaEnrollmentMainService } from './services/mfaEnrollmentMainService.ts';

/** The window that answers each prompt kind; a kind without one is never shown on this desktop. */
const PROMPT_WINDOWS = {
  justification: 'keeper-justification',
  mfa: 'keeper-mfa',
  message: 'keeper-message',
  operatorApproval: 'keeper-approval',
  approval: 'keeper-approval-pending',
} as const satisfies Record<keyof typeof PROMPT_SERVICES, WindowId>;
const PROMPT_KINDS = Object.keys(PROMPT_WINDOWS) as Array<keyof typeof PROMPT_WINDOWS>;

export interface DesktopOptions {
  readonly socketPath: string;
  readonly version: string;
}

export interface DesktopApp {
  readonly agent: AgentLink;
  /** The services a window may reach, bound to their implementations. */
  dispatcherFor(id: WindowId): ServiceDispatcher;
  /** The user closed window `id`: a prompt window's current prompt counts as cancelled. */
  windowClosedByUser(id: WindowId): void;
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
  const windowFor: Partial<Record<PromptKind, WindowId>> = PROMPT_WINDOWS;
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
    [MfaEnrollmentService.channel, bindService(MfaEnrollmentService, mfaEnrollmentMainService(agent))],
    // Each kind's service sees and answers only that kind's prompts.
    ...PROMPT_KINDS.map((kind) => [
      PROMPT_SERVICES[kind].channel,
      bindService(PROMPT_SERVICES[kind], {
        queue$: () => prompts.queue$(kind),
        respond: (promptId, response) => prompts.respond(kind, promptId, response),
      }),
    ] as const),
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
    windowClosedByUser(id) {
      const kind = PROMPT_KINDS.find((k) => PROMPT_WINDOWS[k] === id);
      // Closing the "approval pending" notice only hides it: the request stays with its approvers
      // (withdrawing is the window's own button).
      if (kind && kind !== 'approval') prompts.cancelCurrent(kind);
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
