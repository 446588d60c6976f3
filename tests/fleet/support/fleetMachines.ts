import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentStatusRequest, type Approval } from '../../../shared/protocol/src/common/index.ts';
import { connectClient, makeSandbox, runAgent, startAgent, type AgentProcess } from '../../support/agentProcess.ts';
import { callAs } from '../../support/callAs.ts';
import { rootDesktopFixture } from '../../support/desktopSessions.ts';
import { until, type FleetFixture } from './fleetHarness.ts';

/** What `agent.status` answers on `socket`. */
export async function statusOf(socket: string) {
  const client = await connectClient(socket);
  try {
    return await client.request(AgentStatusRequest, undefined);
  } finally {
    client.close();
  }
}

export type AgentStatus = Awaited<ReturnType<typeof statusOf>>;

/** Waits (20 s at most) until the agent on `socket` reports a status that passes `check`. */
export const waitForStatus = (socket: string, check: (status: AgentStatus) => boolean, what: string) =>
  until(async () => (check(await statusOf(socket)) ? true : undefined), 20_000, what);

/** Where one machine registers: a server instance's URL and the group its token enrols it in. */
export interface Enrolment {
  readonly url: string;
  readonly group: string;
}

/**
 * Two real machines, A and B: each its own socket, data folder and machine name, registered through
 * `keeper-agent --fleet URL --register @FILE`, with keeper-alice at A's desktop.
 */
export function fleetMachines() {
  const desktops = rootDesktopFixture();
  const machines = { a: makeSandbox(), b: makeSandbox() };
  const agents: AgentProcess[] = [];

  /** Registers the machine at `dataDir` as `name` with a fresh token of `group`. */
  const register = async (fx: FleetFixture, { url, group }: Enrolment, dataDir: string, name: string) => {
    const tokenFile = join(dataDir, '..', `${name}.token`);
    writeFileSync(tokenFile, await fx.token(group), { mode: 0o600 });
    return runAgent(['--fleet', url, '--register', `@${tokenFile}`, '--data-dir', dataDir, '--machine-name', name]);
  };

  return {
    machines,
    register,
    /** Registers and starts both agents, then waits until each is online with `activePolicies` policies in effect. */
    async start(fx: FleetFixture, enrolments: { readonly a: Enrolment; readonly b: Enrolment }, activePolicies: number): Promise<void> {
      desktops.add({ user: 'keeper-alice' });
      for (const machine of Object.values(machines)) chmodSync(machine.dir, 0o755);
      const named = [
        [machines.a, enrolments.a, 'machine-a'],
        [machines.b, enrolments.b, 'machine-b'],
      ] as const;
      for (const [machine, enrolment, name] of named) {
        const registered = await register(fx, enrolment, machine.dataDir, name);
        if (registered.code !== 0) throw new Error(`${name} did not register (exit ${registered.code}): ${registered.stderr}`);
      }
      for (const [machine, enrolment] of named) {
        agents.push(await startAgent({ socket: machine.socket, dataDir: machine.dataDir, logindDir: desktops.dir, extra: ['--fleet', enrolment.url] }));
      }
      for (const machine of Object.values(machines)) {
        await waitForStatus(machine.socket, (s) => s.online && s.policies.active === activePolicies, "the agent online with the fleet's policies");
      }
    },
    /** The request as keeper-bob sees it in B's pending queue, once it is there. */
    inBobsQueue: (requestId: string, timeoutMs = 15_000): Promise<Approval> =>
      until(
        async () => {
          const answer = await callAs(machines.b.socket, 'keeper-bob', 'approvals.list', { statuses: ['Pending'] });
          if (!answer.ok) throw new Error(`keeper-bob cannot list through B: ${answer.message}`);
          return (answer.result as { approvals: Approval[] }).approvals.find((x) => x.requestId === requestId);
        },
        timeoutMs,
        `request ${requestId} in B's queue`,
      ),
    async stop(): Promise<void> {
      try {
        for (const agent of agents) await agent.stop();
      } finally {
        for (const machine of Object.values(machines)) machine.cleanup();
        desktops.cleanup();
      }
    },
  };
}
