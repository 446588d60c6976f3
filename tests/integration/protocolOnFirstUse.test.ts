import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const PROJECT_DIR = resolve(import.meta.dirname, '../..');

/**
 * The protocol's schemas are built on first use (shared/protocol/src/common/method.ts, `onFirstUse`), so the agent's
 * startup snapshot holds thunks instead of ~1,000 zod instances. What a fresh process builds is checked in a child:
 * in this process another test may already have parsed with any schema. (Their refusals and defaults:
 * shared/protocol/src/common/onFirstUse.test.ts.)
 */
const FRESH_PROCESS = `
import { handle } from './shared/protocol/src/node/rpcServer.ts';
import * as protocol from './shared/protocol/src/common/index.ts';
import * as fleet from './shared/protocol/src/common/fleet.ts';
const { isBuilt } = protocol;
const named = Object.entries({ ...protocol, ...fleet }).filter(([, v]) => v?._zod?.def?.type === 'lazy');
const parts = Object.entries(protocol)
  .filter(([, v]) => v && (v.kind === 'request' || v.kind === 'notification'))
  .flatMap(([name, d]) => [[name + '.params', d.params], ...(d.kind === 'request' ? [[name + '.result', d.result]] : [])]);
const builtNow = () => ({
  named: named.filter(([, s]) => isBuilt(s)).map(([name]) => name).sort(),
  parts: parts.filter(([, s]) => s._zod.def.type === 'lazy' && isBuilt(s)).map(([name]) => name).sort(),
});
const steps = {
  lazyNamed: named.length,
  eagerParts: parts.filter(([, s]) => s._zod.def.type !== 'lazy').map(([name]) => name),
  imported: builtNow(),
};
protocol.PromptRespond.params.parse({ promptId: 'p1', response: { kind: 'cancel' } });
steps.promptRespondParsed = builtNow();
const handlers = new Map();
const connection = { onRequest: (method, handler) => handlers.set(method, handler) };
for (const d of Object.values(protocol)) if (d?.kind === 'request') handle(connection, d, () => ({}), () => ({ runId: 'r1', jobId: 'j1' }), () => {});
steps.registered = builtNow();
let duringHandler;
handlers.delete('jobs.run');
handle(connection, protocol.JobsRun, () => ({}), () => { duringHandler = builtNow(); return { runId: 'r1', jobId: 'j1' }; }, () => {});
const answer = await handlers.get('jobs.run')({ jobId: 'j1' }, {});
steps.jobsRun = { duringHandler, answered: builtNow(), answer };
process.stdout.write(JSON.stringify(steps));
`;

interface Built {
  named: string[];
  parts: string[];
}
interface Steps {
  lazyNamed: number;
  eagerParts: string[];
  imported: Built;
  promptRespondParsed: Built;
  registered: Built;
  jobsRun: { duringHandler: Built; answered: Built; answer: unknown };
}

describe('the protocol schemas built on first use', () => {
  const steps = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', FRESH_PROCESS], { cwd: PROJECT_DIR, encoding: 'utf8' })) as Steps;

  it('are not built when the whole table is imported', () => {
    expect(steps.lazyNamed).toBeGreaterThan(60);
    expect(steps.imported).toEqual({ named: [], parts: [] });
  });

  it('leave eager only the start’s methods, the no-params ones and the schemas callers read as objects', () => {
    expect(steps.eagerParts.sort()).toEqual(
      [
        // The first answer of every start (session.hello, agent.status): built once into the snapshot, not at each start.
        'SessionHello.params',
        'SessionHello.result',
        'AgentStatusRequest.params',
        'AgentStatusRequest.result',
        'AgentStatusChanged.params',
        'AgentPermissionsRequest.params',
        'MfaStatus.params',
        'JobsList.params',
        // `.shape` read by the desktop's bridge services, `.pick` by its agent details.
        'MfaEnrollBegin.params',
        'ApprovalsOfflineResponse.result',
        'ElevationRequest.params',
        'PolicyExplain.params',
      ].sort(),
    );
  });

  it('build a request’s params at its first parse, and nothing else', () => {
    expect(steps.promptRespondParsed).toEqual({ named: ['PromptRespondParams', 'PromptResponse'], parts: ['PromptRespond.params'] });
  });

  it('build nothing when handlers are registered, the params at the first request and the result at its answer', () => {
    expect(steps.registered).toEqual(steps.promptRespondParsed);
    expect(steps.jobsRun.duringHandler.parts).toEqual(['JobsRun.params', 'PromptRespond.params']);
    expect(steps.jobsRun.answered.parts).toEqual(['JobsRun.params', 'JobsRun.result', 'PromptRespond.params']);
    expect(steps.jobsRun.answer).toEqual({ runId: 'r1', jobId: 'j1' });
  });
});
