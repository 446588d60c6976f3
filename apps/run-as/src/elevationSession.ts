import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { config as zodConfig } from 'zod';
import { AgentError } from '../../../shared/protocol/src/common/errors.ts';
import type { ElevationStatusResult } from '../../../shared/protocol/src/common/methods/prompt.ts';
import { PROTOCOL_VERSION, SessionHello } from '../../../shared/protocol/src/common/methods/session.ts';
import { AgentClient } from '../../../shared/protocol/src/node/agentClient.ts';
import { defaultSocketPath, SYSTEM_SOCKET_PATH } from '../../../shared/protocol/src/node/socketPath.ts';
import { Exit, sayAs } from './cliArgs.ts';
import { resolveCommand } from './resolveCommand.ts';

type ElevationMethods = typeof import('./elevationMethods.ts');

// Each schema is parsed once or twice per call: compiling zod's fast path (new Function) costs more
// than it saves. Not `z.config`: vite.cli.config.ts declares `z.*` calls pure, so that one would be dropped.
zodConfig({ jitless: true });

const WAITING: Record<string, string> = {
  JUSTIFY: 'Waiting for your justification in the Keeper window…',
  MFA: 'Enter your MFA code in the Keeper window…',
  APPROVAL: 'Waiting for an approver to decide…',
  OPERATORAPPROVAL: 'Waiting for your approval in the Keeper window…',
  NOTIFY: 'Please read the notice in the Keeper window…',
};

export interface ElevationAsk {
  readonly name: string;
  readonly socket: string | undefined;
  readonly command: string;
  readonly args: readonly string[];
  /** keeper-runas's target; absent for root. */
  readonly runAs?: string;
  /** How to ask again, for the "once it is approved" hint (the command as the user typed it). */
  readonly rerun: string;
}

/**
 * Asks the agent to run a command with a granted identity, waits while prompts are answered in the
 * suite (telling the terminal which), and when allowed relays stdin, stdout, stderr, terminal signals
 * and the exit status. Returns the exit status for the CLI.
 */
export async function elevate(ask: ElevationAsk): Promise<number> {
  const say = sayAs(ask.name);
  const executable = resolveCommand(ask.command, process.env, process.cwd());
  if (!executable) {
    say(`${ask.command}: command not found`);
    return Exit.usage;
  }
  const socket =
    ask.socket ??
    defaultSocketPath({ platform: process.platform, env: process.env, systemSocketExists: existsSync(SYSTEM_SOCKET_PATH), homedir: homedir() });

  let client: AgentClient;
  let methods: ElevationMethods;
  try {
    client = await AgentClient.connect(socket);
    const hello = client.request(SessionHello, { protocolVersion: PROTOCOL_VERSION, client: { kind: 'run-as', name: ask.name, version: '1' } });
    // The hello is on its way: the elevation schemas are built while the agent answers it.
    [, methods] = await Promise.all([hello, import('./elevationMethods.ts')]);
  } catch (error) {
    say(`cannot reach the Keeper agent at ${socket}: ${(error as Error).message}`);
    return Exit.unreachable;
  }
  const lost = new Promise<number>((resolve) =>
    client.onClose((reason) => {
      if (reason === 'closed by client') return;
      say('the Keeper agent went away');
      resolve(Exit.unreachable);
    }),
  );

  const updates: ElevationStatusResult[] = [];
  let onUpdate: () => void = () => {};
  client.onNotification(methods.ElevationUpdated, (update) => {
    updates.push(update);
    onUpdate();
  });
  let result;
  try {
    result = await client.request(methods.ElevationRequest, { executable, arguments: [...ask.args], cwd: process.cwd(), ...(ask.runAs !== undefined ? { runAs: { user: ask.runAs } } : {}) });
  } catch (error) {
    say(error instanceof AgentError ? error.message : String(error));
    client.close();
    return Exit.denied;
  }
  const requestId = result.requestId;
  let state: string = result.state;
  let reason = result.decision.reason;
  if (result.grant) say(`elevated session in effect until ${new Date(result.grant.expiresAt).toLocaleString()}`);
  if (state === 'pending') {
    const shown = new Set<string>();
    const settled = new Promise<void>((resolve) => {
      onUpdate = () => {
        for (const update of updates.splice(0)) {
          if (update.requestId !== requestId) continue;
          if (update.currentControl && !shown.has(update.currentControl)) {
            shown.add(update.currentControl);
            say(WAITING[update.currentControl] ?? `Waiting for ${update.currentControl}…`);
          }
          if (update.state !== 'pending') {
            state = update.state;
            reason = update.reason;
            resolve();
          }
        }
      };
      onUpdate();
    });
    const stopWaiting = () => {
      if (shown.has('APPROVAL')) {
        say(`stopped waiting. Request ${requestId} stays with the approvers; once it is approved, run it within the time the approver allows (24 hours by default) with:`);
        process.stderr.write(`  ${ask.rerun}\n`);
      } else {
        say('stopped waiting; the request is cancelled');
      }
      process.exit(Exit.interrupted);
    };
    process.once('SIGINT', stopWaiting);
    const outcome = await Promise.race([settled.then(() => null), lost]);
    // From here on Ctrl+C belongs to the program (runAllowed forwards it).
    process.off('SIGINT', stopWaiting);
    if (outcome !== null) return outcome;
  }
  if (state !== 'allowed') {
    say(`denied: ${reason}`);
    client.close();
    return Exit.denied;
  }
  return runAllowed(client, methods, requestId, lost, say);
}

async function runAllowed(client: AgentClient, methods: ElevationMethods, requestId: string, lost: Promise<number>, say: (line: string) => void): Promise<number> {
  const exited = new Promise<number>((resolve) => {
    client.onNotification(methods.ElevationExited, ({ code, signal }) => resolve(code ?? 128 + signalNumber(signal)));
  });
  const chunks: Array<{ stream: 'stdout' | 'stderr'; data: string }> = [];
  let runId: string | null = null;
  const write = (stream: 'stdout' | 'stderr', data: string) => (stream === 'stdout' ? process.stdout : process.stderr).write(Buffer.from(data, 'base64'));
  client.onNotification(methods.ElevationOutput, (output) => {
    if (runId === null) chunks.push(output);
    else if (output.runId === runId) write(output.stream, output.data);
  });
  try {
    runId = (await client.request(methods.ElevationRun, { requestId, ...(process.env['TERM'] ? { term: process.env['TERM'] } : {}) })).runId;
  } catch (error) {
    say(error instanceof AgentError ? error.message : String(error));
    client.close();
    return Exit.denied;
  }
  for (const chunk of chunks.splice(0)) write(chunk.stream, chunk.data);
  const id = runId;
  process.stdin.on('data', (data: Buffer) => void client.request(methods.ElevationInput, { runId: id, data: data.toString('base64') }).catch(() => {}));
  process.stdin.on('end', () => void client.request(methods.ElevationInput, { runId: id, eof: true }).catch(() => {}));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void client.request(methods.ElevationInput, { runId: id, signal }).catch(() => {}));
  }
  const code = await Promise.race([exited, lost]);
  process.stdin.destroy();
  client.close();
  return code;
}

function signalNumber(signal: string | null): number {
  const numbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return signal ? (numbers[signal] ?? 0) : 0;
}
