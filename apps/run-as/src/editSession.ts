import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { config as zodConfig } from 'zod';
import { AgentError } from '../../../shared/protocol/src/common/errors.ts';
import { EditCancel, EditCommit, EditCopy, EditOpen } from '../../../shared/protocol/src/common/methods/edit.ts';
import { ElevationUpdated, type ElevationStatusResult } from '../../../shared/protocol/src/common/methods/elevation.ts';
import { PROTOCOL_VERSION } from '../../../shared/protocol/src/common/protocolVersion.ts';
import { SessionHello } from '../../../shared/protocol/src/common/methods/session.ts';
import { AgentClient } from '../../../shared/protocol/src/node/agentClient.ts';
import { defaultSocketPath, SYSTEM_SOCKET_PATH } from '../../../shared/protocol/src/node/socketPath.ts';
import { Exit, sayAs } from './cliArgs.ts';
import { waitingFor } from './waitingFor.ts';

// Each schema is parsed a few times per call: zod's compiled fast path costs more than it saves.
zodConfig({ jitless: true });

export interface EditAsk {
  readonly socket: string | undefined;
  readonly files: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

interface Opened {
  readonly requestId: string;
  readonly path: string;
  readonly copyPath: string;
}

const say = sayAs('keeper-edit');

/** `$VISUAL`, else `$EDITOR`, else vi; split on blanks like sudoedit, so `code --wait` works. */
export function editorCommand(env: NodeJS.ProcessEnv): string[] {
  const words = (env['VISUAL'] || env['EDITOR'] || 'vi').trim().split(/\s+/).filter(Boolean);
  return words.length > 0 ? words : ['vi'];
}

/**
 * sudoedit through the agent: each file is decided (prompts in the Keeper windows) and copied for
 * this user, the editor runs as this user on the copies, and the agent writes back what changed.
 */
export async function editFiles(ask: EditAsk): Promise<number> {
  const socket =
    ask.socket ?? defaultSocketPath({ platform: process.platform, env: process.env, systemSocketExists: existsSync(SYSTEM_SOCKET_PATH), homedir: homedir() });
  let client: AgentClient;
  try {
    client = await AgentClient.connect(socket);
    await client.request(SessionHello, { protocolVersion: PROTOCOL_VERSION, client: { kind: 'run-as', name: 'keeper-edit', version: '1' } });
  } catch (error) {
    say(`cannot reach the Keeper agent at ${socket}: ${(error as Error).message}`);
    return Exit.unreachable;
  }
  const updates = new Map<string, ElevationStatusResult>();
  let onUpdate: () => void = () => {};
  client.onNotification(ElevationUpdated, (update) => {
    updates.set(update.requestId, update);
    onUpdate();
  });
  let failed = false;
  const opened: Opened[] = [];
  try {
    for (const file of ask.files) {
      const edit = await openOne(client, resolve(file), updates, (listener) => (onUpdate = listener));
      if (edit) opened.push(edit);
      else failed = true;
    }
    if (opened.length === 0) return Exit.denied;
    const [command, ...args] = editorCommand(ask.env);
    const status = await runEditor(command!, [...args, ...opened.map((o) => o.copyPath)]);
    if (status !== 0) {
      say(`${command} exited with ${status}; nothing was written`);
      for (const edit of opened) await client.request(EditCancel, { requestId: edit.requestId }).catch(() => {});
      return Exit.denied;
    }
    for (const edit of opened) {
      try {
        const result = await client.request(EditCommit, { requestId: edit.requestId });
        if (!result.written) say(`${result.path} unchanged`);
      } catch (error) {
        say(`${edit.path}: ${message(error)}`);
        failed = true;
      }
    }
    return failed ? Exit.denied : 0;
  } finally {
    client.close();
  }
}

/** Opens one file: decided, waited for while prompts run, then copied. Null (said why) when refused. */
async function openOne(
  client: AgentClient,
  path: string,
  updates: Map<string, ElevationStatusResult>,
  listen: (listener: () => void) => void,
): Promise<Opened | null> {
  try {
    const result = await client.request(EditOpen, { path, cwd: process.cwd() });
    let state: string = result.state;
    let reason = result.decision.reason;
    if (state === 'pending') {
      const shown = new Set<string>();
      await new Promise<void>((resolveWait) => {
        listen(() => {
          const update = updates.get(result.requestId);
          if (!update) return;
          if (update.currentControl && !shown.has(update.currentControl)) {
            shown.add(update.currentControl);
            say(waitingFor(update.currentControl));
          }
          if (update.state !== 'pending') {
            state = update.state;
            reason = update.reason;
            resolveWait();
          }
        });
      });
    }
    if (state !== 'allowed') {
      say(`${result.path}: denied: ${reason}`);
      return null;
    }
    const { copyPath } = await client.request(EditCopy, { requestId: result.requestId });
    return { requestId: result.requestId, path: result.path, copyPath };
  } catch (error) {
    say(`${path}: ${message(error)}`);
    return null;
  }
}

/** The editor with this terminal, as this user; its exit status (128 + n for a signal). */
function runEditor(command: string, args: string[]): Promise<number> {
  return new Promise((resolveRun) => {
    const child = spawn(command, args, { stdio: 'inherit' });
    child.on('error', (error) => {
      say(`cannot start ${command}: ${error.message}`);
      resolveRun(127);
    });
    child.on('close', (code, signal) => resolveRun(code ?? (signal ? 128 : 1)));
  });
}

const message = (error: unknown) => (error instanceof AgentError ? error.message : String(error));
