import { describe, expect, it } from 'vitest';
import { AgentError, AgentErrorCodes, JsonRpcErrorCodes } from '../../../../../shared/protocol/src/common/index.ts';
import { ElevationProblemCode } from '../../../../../shared/bridge/src/common/services/elevationProblem.ts';
import { RESOURCES, SUPPORTED_LANGUAGES } from '../../../../../shared/i18n/src/resources.ts';
import { agentProblem } from './elevationProblem.ts';

describe('problems main reports to quick-elevate and Keeper.NetworkConnections', () => {
  it('turns the agent’s refusals into codes, whatever its English words', () => {
    const code = (error: unknown) => agentProblem(error).code;
    expect(code(new AgentError(JsonRpcErrorCodes.InternalError, 'the Keeper agent is not connected'))).toBe('agent-unavailable');
    expect(code(new AgentError(JsonRpcErrorCodes.MethodNotFound, 'Unhandled method policy.explain'))).toBe('agent-unsupported');
    expect(code(new AgentError(AgentErrorCodes.Unauthorized, 'only the user who asked may run this request'))).toBe('agent-unauthorized');
    expect(code(new AgentError(AgentErrorCodes.Expired, 'the grant to run this request ended after 5 minutes'))).toBe('agent-expired');
    expect(code(new AgentError(AgentErrorCodes.Conflict, '/usr/bin/id changed since the decision; ask again'))).toBe('agent-conflict');
    expect(code(new AgentError(AgentErrorCodes.Offline, 'backend unreachable'))).toBe('agent-offline');
    expect(code(new AgentError(AgentErrorCodes.TooManyRequests, 'slow down'))).toBe('agent-busy');
    expect(agentProblem(new AgentError(AgentErrorCodes.NotFound, 'no elevation request r-1'))).toEqual({
      code: 'agent-error',
      values: { code: AgentErrorCodes.NotFound },
    });
    expect(code(new Error('socket hang up'))).toBe('agent-unavailable');
  });

  it('has words for every code, with the same values, in both windows and every language', () => {
    for (const lng of SUPPORTED_LANGUAGES) {
      for (const ns of ['quickElevate', 'network'] as const) {
        const words: Record<string, string> = RESOURCES[lng][ns].problem;
        expect(Object.keys(words).sort(), `${lng}/${ns}`).toEqual([...ElevationProblemCode.options].sort());
        for (const code of ElevationProblemCode.options) {
          const values = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
          expect(values(words[code]!), `${lng}/${ns}:problem.${code}`).toEqual(values(RESOURCES.en.quickElevate.problem[code]));
        }
      }
    }
  });
});

describe('a refusal the agent explains with a reason code', () => {
  it('carries the code, so the window words the agent’s reason in its own language', () => {
    const refused = new AgentError(AgentErrorCodes.Unauthorized, '/root/pin is not readable by you', {
      reasonDetail: { code: 'program-not-readable', values: { path: '/root/pin' } },
    });
    expect(agentProblem(refused)).toEqual({
      code: 'agent-unauthorized',
      values: {},
      reasonDetail: { code: 'program-not-readable', values: { path: '/root/pin' } },
    });
  });

  it('ignores data that is not a reason it knows', () => {
    expect(agentProblem(new AgentError(AgentErrorCodes.Conflict, 'changed', { reasonDetail: { code: 'no-such-code' } }))).toEqual({
      code: 'agent-conflict',
      values: {},
    });
  });
});
