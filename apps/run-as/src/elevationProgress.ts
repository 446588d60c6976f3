import { AgentError } from '../../../shared/protocol/src/common/errors.ts';
import { OneShotClient } from '../../../shared/protocol/src/node/oneShotClient.ts';
import type { OneShotConnection } from '../../../shared/protocol/src/node/oneShotConnection.ts';
import { Exit } from './cliArgs.ts';
import { ElevationInput, ElevationRequest, ElevationRun, ElevationUpdated, SessionHello, type Checked } from './elevationMethods.ts';
import type { ElevationAsk } from './elevationAsk.ts';
import { ProgramRelay } from './programRelay.ts';
import { relayStdin } from './stdinRelay.ts';
import { waitingFor } from './waitingFor.ts';

type StatusUpdate = Checked<typeof ElevationUpdated>;

/**
 * A prompt no desktop could show: the agent offers prompts only to a verified desktop session of the
 * requester (docs/security.md), so the terminal says whose session was missing and what to do.
 */
function undeliverableTo(detail: StatusUpdate['reasonDetail']): string | null {
  const user = detail?.code.endsWith('-undeliverable') ? detail.values['user'] : undefined;
  return typeof user === 'string' && user.length > 0 ? user : null;
}

const NO_DESKTOP_HINT = (user: string) =>
  `Keeper asks for this in the Keeper Desktop suite on ${user}'s own desktop session on this machine, and no verified desktop session of ${user} is connected to the agent ` +
  `(a remote shell, another user's desktop or a closed suite does not count). Log in to this machine's desktop as ${user} ` +
  `(the suite starts with the session; if it was closed, start Keeper Desktop from the applications menu), then run the command again.`;

/** What elevationSession.ts started before the checks were loaded: the connection and the two requests already sent. */
export interface OpenedElevation {
  readonly ask: ElevationAsk;
  readonly say: (line: string) => void;
  readonly socket: string;
  readonly connection: OneShotConnection;
  /** Raw answers of session.hello and elevation.request. */
  readonly hello: Promise<unknown>;
  readonly asked: Promise<unknown>;
  /** Hands the notifications held since the requests were written to the handlers added by then. */
  readonly releaseHeld: () => void;
}

/**
 * Checks the answers to the requests elevationSession.ts sent, waits while prompts are answered in
 * the suite (telling the terminal which), and when allowed relays stdin, stdout, stderr, terminal
 * signals and the exit status. Returns the exit status for the CLI.
 */
export async function followElevation({ ask, say, socket, connection, hello, asked, releaseHeld }: OpenedElevation): Promise<number> {
  const client = new OneShotClient(connection);
  const updates: StatusUpdate[] = [];
  let onUpdate: () => void = () => {};
  client.onNotification(ElevationUpdated, (update) => {
    updates.push(update);
    onUpdate();
  });
  // The program may already run (elevation.request's `run`): its output is held by the relay until its run is known.
  const relay = new ProgramRelay(client);
  // Synchronous from the handlers to here: what the agent said meanwhile comes in order, nothing falls between.
  releaseHeld();
  try {
    await client.checked(SessionHello, hello);
  } catch (error) {
    say(`cannot reach the Keeper agent at ${socket}: ${(error as Error).message}`);
    client.close();
    return Exit.unreachable;
  }
  const lost = new Promise<number>((resolve) =>
    client.onClose((reason) => {
      if (reason === 'closed by client') return;
      say('the Keeper agent went away');
      resolve(Exit.unreachable);
    }),
  );

  let result;
  try {
    result = await client.checked(ElevationRequest, asked);
  } catch (error) {
    say(error instanceof AgentError ? error.message : String(error));
    client.close();
    return Exit.denied;
  }
  const requestId = result.requestId;
  let state: string = result.state;
  let reason = result.decision.reason;
  let detail: StatusUpdate['reasonDetail'];
  if (result.grant) say(`elevated session in effect until ${new Date(result.grant.expiresAt).toLocaleString()}`);
  if (state === 'pending') {
    const shown = new Set<string>();
    const settled = new Promise<void>((resolve) => {
      onUpdate = () => {
        for (const update of updates.splice(0)) {
          if (update.requestId !== requestId) continue;
          if (update.offlineApproval && !shown.has(`offline:${update.offlineApproval.challenge}`)) {
            shown.add(`offline:${update.offlineApproval.challenge}`);
            shown.add('APPROVAL');
            sayOfflineChallenge(say, update.offlineApproval);
          } else if (update.currentControl && !shown.has(update.currentControl)) {
            shown.add(update.currentControl);
            say(waitingFor(update.currentControl));
          }
          if (update.state !== 'pending') {
            state = update.state;
            reason = update.reason;
            detail = update.reasonDetail;
            resolve();
          }
        }
      };
      onUpdate();
    });
    const stopWaiting = () => {
      // An offline approval lives only as long as this request waits: there is nothing to come back to.
      if (shown.has('APPROVAL') && ![...shown].some((key) => key.startsWith('offline:'))) {
        say(
          `stopped waiting. Request ${requestId} stays with the approvers; once it is approved, run it within the time the approver allows (24 hours by default) with:`,
        );
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
    const nowhere = undeliverableTo(detail);
    if (nowhere !== null) say(NO_DESKTOP_HINT(nowhere));
    client.close();
    return Exit.denied;
  }
  return runAllowed(client, relay, result.run?.runId ?? null, requestId, lost, say);
}

/** Offline approval: what to read to an approver, and where their response goes. */
function sayOfflineChallenge(say: (line: string) => void, offline: { challenge: string; machine: string; expiresAt: string }): void {
  say('the Keeper agent is offline. Read this challenge to an approver of your machine:');
  process.stderr.write(`  challenge ${offline.challenge}   machine ${offline.machine}   valid until ${new Date(offline.expiresAt).toLocaleTimeString()}\n`);
  say('then type their name and the response they read back into the "Waiting for approval" window.');
}

/** Runs an allowed request (unless the agent already started it: `started`) and relays it until it exits. */
async function runAllowed(
  client: OneShotClient,
  relay: ProgramRelay,
  started: string | null,
  requestId: string,
  lost: Promise<number>,
  say: (line: string) => void,
): Promise<number> {
  let id = started;
  if (id === null) {
    // Allowed after its prompts, or by an agent that does not run at once.
    try {
      id = (await client.request(ElevationRun, { requestId, ...(process.env['TERM'] ? { term: process.env['TERM'] } : {}) })).runId;
    } catch (error) {
      say(error instanceof AgentError ? error.message : String(error));
      client.close();
      return Exit.denied;
    }
  }
  const runId = id;
  relay.follow(runId);
  const stdin = relayStdin(
    (data) => void client.request(ElevationInput, { runId, data: data.toString('base64') }).catch(() => {}),
    () => void client.request(ElevationInput, { runId, eof: true }).catch(() => {}),
  );
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void client.request(ElevationInput, { runId, signal }).catch(() => {}));
  }
  const code = await Promise.race([relay.exited, lost]);
  stdin.stop();
  client.close();
  return code;
}
