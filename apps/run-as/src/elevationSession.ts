import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { AgentError, AgentErrorCodes } from '../../../shared/protocol/src/common/errors.ts';
import type { ElevationExited, ElevationOutput, ElevationRequest, ElevationUpdated } from '../../../shared/protocol/src/common/methods/elevation.ts';
import type { SessionHello } from '../../../shared/protocol/src/common/methods/session.ts';
import { PROTOCOL_VERSION } from '../../../shared/protocol/src/common/protocolVersion.ts';
import { OneShotConnection } from '../../../shared/protocol/src/node/oneShotConnection.ts';
import { resolveCommand } from '../../../shared/protocol/src/node/resolveCommand.ts';
import { defaultSocketPath, SYSTEM_SOCKET_PATH } from '../../../shared/protocol/src/node/socketPath.ts';
import { Exit, sayAs } from './cliArgs.ts';
import type { ElevationAsk } from './elevationAsk.ts';

/** What the agent may say before the checking half is evaluated: held until its handlers are in place. */
const EARLY: ReadonlyArray<(typeof ElevationUpdated | typeof ElevationOutput | typeof ElevationExited)['method']> = [
  'elevation.updated',
  'elevation.output',
  'elevation.exited',
];

/**
 * Asks the agent to run a command with a granted identity (see elevationProgress.ts for the rest).
 * session.hello and elevation.request are written before the checks of their answers are evaluated
 * (elevationProgress.ts, no zod either since its checks are written by hand), so the agent answers meanwhile.
 */
export async function elevate(ask: ElevationAsk): Promise<number> {
  const say = sayAs(ask.name);
  const executable = resolveCommand(ask.command, process.env, process.cwd());
  if (!executable) {
    say(`${ask.command}: command not found`);
    return Exit.usage;
  }
  const socket =
    ask.socket ?? defaultSocketPath({ platform: process.platform, env: process.env, systemSocketExists: existsSync(SYSTEM_SOCKET_PATH), homedir: homedir() });

  let connection: OneShotConnection;
  try {
    connection = await OneShotConnection.connect(socket);
  } catch (error) {
    say(`cannot reach the Keeper agent at ${socket}: ${(error as Error).message}`);
    return Exit.unreachable;
  }
  const held = connection.hold(EARLY);
  // `run`: if the policy allows it without a prompt, the agent starts the program before it answers, so the
  // fork overlaps the rest of this process's start, and no elevation.run round trip follows.
  const params = {
    executable,
    arguments: [...ask.args],
    cwd: process.cwd(),
    ...(ask.runAs !== undefined ? { runAs: { user: ask.runAs } } : {}),
    run: process.env['TERM'] ? { term: process.env['TERM'] } : {},
  };
  // session.hello and elevation.request leave together: the agent handles a connection's requests in
  // order, so the request finds the session the hello opened, one round trip instead of two.
  const hello = connection.send<typeof SessionHello>('session.hello', {
    protocolVersion: PROTOCOL_VERSION,
    client: { kind: 'run-as', name: ask.name, version: '1' },
  });
  const asked = connection.send<typeof ElevationRequest>('elevation.request', params).catch((error: unknown) => {
    // An agent that answered before its hello took effect: ask again, now in session.
    if (error instanceof AgentError && error.code === AgentErrorCodes.SessionRequired)
      return hello.then(() => connection.send<typeof ElevationRequest>('elevation.request', params));
    throw error;
  });
  // Both are awaited after the import below; an answer that fails meanwhile is not unhandled.
  hello.catch(() => {});
  asked.catch(() => {});
  const { followElevation } = await import('./elevationProgress.ts');
  return followElevation({ ask, say, socket, connection, hello, asked, releaseHeld: () => held.release() });
}
