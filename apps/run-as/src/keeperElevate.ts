import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import {
  AgentError,
  ElevationExited,
  ElevationInput,
  ElevationOutput,
  ElevationRequest,
  ElevationRun,
  ElevationUpdated,
  PROTOCOL_VERSION,
  SessionHello,
  type ElevationStatusResult,
} from '../../../shared/protocol/src/common/index.ts';
import { AgentClient } from '../../../shared/protocol/src/node/agentClient.ts';
import { defaultSocketPath, SYSTEM_SOCKET_PATH } from '../../../shared/protocol/src/node/socketPath.ts';
import { resolveCommand } from './resolveCommand.ts';

const HELP = `Usage: keeper-elevate [--socket PATH] [--] COMMAND [ARG…]

Runs COMMAND with administrator rights when Keeper policy allows it. The Keeper agent decides;
prompts (justification, MFA, approval) appear in the Keeper desktop windows while this waits.

Exit status: the command's own, or 1 when the request is denied, expires or cannot be met
offline, 2 for a usage error, 3 when the Keeper agent cannot be reached.
`;

const WAITING: Record<string, string> = {
  JUSTIFY: 'Waiting for your justification in the Keeper window…',
  MFA: 'Enter your MFA code in the Keeper window…',
  APPROVAL: 'Waiting for an approver to decide…',
  OPERATORAPPROVAL: 'Waiting for your approval in the Keeper window…',
  NOTIFY: 'Please read the notice in the Keeper window…',
};

const say = (line: string) => process.stderr.write(`keeper-elevate: ${line}\n`);

async function main(): Promise<number> {
  // Like sudo, options end at the command: everything from COMMAND on belongs to it.
  const argv = process.argv.slice(2);
  const commandAt = firstPositional(argv);
  let parsed;
  try {
    parsed = parseArgs({ args: argv.slice(0, commandAt), allowPositionals: false, strict: true, options: { socket: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    say((error as Error).message);
    return 2;
  }
  const [command, ...args] = argv.slice(commandAt);
  if (parsed.values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!command) {
    process.stderr.write(HELP);
    return 2;
  }
  const executable = resolveCommand(command, process.env, process.cwd());
  if (!executable) {
    say(`${command}: command not found`);
    return 2;
  }
  const socket =
    parsed.values.socket ??
    defaultSocketPath({ platform: process.platform, env: process.env, systemSocketExists: existsSync(SYSTEM_SOCKET_PATH), tmpdir: tmpdir(), uid: process.getuid?.() ?? null });

  let client: AgentClient;
  try {
    client = await AgentClient.connect(socket);
    await client.request(SessionHello, { protocolVersion: PROTOCOL_VERSION, client: { kind: 'run-as', name: 'keeper-elevate', version: '1' } });
  } catch (error) {
    say(`cannot reach the Keeper agent at ${socket}: ${(error as Error).message}`);
    return 3;
  }
  const lost = new Promise<number>((resolve) =>
    client.onClose((reason) => {
      if (reason === 'closed by client') return;
      say('the Keeper agent went away');
      resolve(3);
    }),
  );

  let requestId: string | null = null;
  const updates: ElevationStatusResult[] = [];
  let onUpdate: () => void = () => {};
  client.onNotification(ElevationUpdated, (update) => {
    updates.push(update);
    onUpdate();
  });
  const result = await client.request(ElevationRequest, { executable, arguments: args, cwd: process.cwd() });
  requestId = result.requestId;
  let state: string = result.state;
  let reason = result.decision.reason;
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
    process.once('SIGINT', () => {
      say('stopped waiting; an approval, if one was requested, stays valid: run the same command again once it is approved');
      process.exit(130);
    });
    const outcome = await Promise.race([settled.then(() => null), lost]);
    if (outcome !== null) return outcome;
  }
  if (state !== 'allowed') {
    say(`denied: ${reason}`);
    client.close();
    return 1;
  }
  return runAllowed(client, requestId, lost);
}

async function runAllowed(client: AgentClient, requestId: string, lost: Promise<number>): Promise<number> {
  const exited = new Promise<number>((resolve) => {
    client.onNotification(ElevationExited, ({ code, signal }) => resolve(code ?? 128 + signalNumber(signal)));
  });
  const chunks: Array<{ stream: 'stdout' | 'stderr'; data: string }> = [];
  let runId: string | null = null;
  const write = (stream: 'stdout' | 'stderr', data: string) => (stream === 'stdout' ? process.stdout : process.stderr).write(Buffer.from(data, 'base64'));
  client.onNotification(ElevationOutput, (output) => {
    if (runId === null) chunks.push(output);
    else if (output.runId === runId) write(output.stream, output.data);
  });
  try {
    runId = (await client.request(ElevationRun, { requestId, ...(process.env['TERM'] ? { term: process.env['TERM'] } : {}) })).runId;
  } catch (error) {
    say(error instanceof AgentError ? error.message : String(error));
    client.close();
    return 1;
  }
  for (const chunk of chunks.splice(0)) write(chunk.stream, chunk.data);
  const id = runId;
  process.stdin.on('data', (data: Buffer) => void client.request(ElevationInput, { runId: id, data: data.toString('base64') }).catch(() => {}));
  process.stdin.on('end', () => void client.request(ElevationInput, { runId: id, eof: true }).catch(() => {}));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void client.request(ElevationInput, { runId: id, signal }).catch(() => {}));
  }
  const code = await Promise.race([exited, lost]);
  process.stdin.destroy();
  client.close();
  return code;
}

/** Index of the command: after `--`, or the first argument that is neither an option nor its value. */
function firstPositional(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return i + 1;
    if (arg === '--socket') i++;
    else if (!arg.startsWith('-')) return i;
  }
  return argv.length;
}

function signalNumber(signal: string | null): number {
  const numbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return signal ? (numbers[signal] ?? 0) : 0;
}

process.exitCode = await main();
