import type { PromptShow } from '../../shared/protocol/src/common/index.ts';
import type { AgentLink } from '../../apps/desktop/src/main/agent/agentLink.ts';

/** A prompt of `kind` as the agent would send it. */
export const promptShow = (promptId: string, kind: PromptShow['kind']): PromptShow => ({
  promptId,
  kind,
  control: 'NOTIFY',
  subject: { requestId: `r-${promptId}`, executable: '/usr/bin/true', commandLine: '/usr/bin/true', sha256: null, policyNames: [] },
  createdAt: new Date(0).toISOString(),
  expiresAt: new Date(60_000).toISOString(),
});

/** An agent link whose connection the test plays: it pushes notifications and records requests. */
export function fakeAgentLink() {
  const handlers = new Map<string, (params: unknown) => void>();
  const requests: Array<{ method: string; params: unknown }> = [];
  const client = {
    onNotification: (descriptor: { method: string }, handler: (params: unknown) => void) => {
      handlers.set(descriptor.method, handler);
      return { dispose: () => handlers.delete(descriptor.method) };
    },
  };
  const link = {
    addFeature: (feature: { attach(client: unknown): unknown }) => feature.attach(client),
    request: (descriptor: { method: string }, params: unknown) => {
      requests.push({ method: descriptor.method, params });
      return Promise.resolve({ accepted: true });
    },
  } as unknown as AgentLink;
  return { link, requests, push: (method: string, params: unknown) => handlers.get(method)?.(params) };
}
