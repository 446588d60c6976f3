import { join } from 'node:path';

/** sun_path holds 108 bytes on Linux (107 usable) and 104 on macOS (103 usable). */
const MAX_SOCKET_PATH_BYTES = process.platform === 'darwin' ? 103 : 107;

export const SYSTEM_SOCKET_PATH = '/run/keeper-agent/agent.sock';
export const WINDOWS_PIPE_PATH = '\\\\.\\pipe\\keeper-agent';

export interface SocketPathEnvironment {
  readonly platform: NodeJS.Platform;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether the system service socket exists on this machine. */
  readonly systemSocketExists: boolean;
  readonly homedir: string;
}

/**
 * A personal (non-root) agent's socket: in $XDG_RUNTIME_DIR, else in a folder under the user's own
 * home ($XDG_STATE_HOME/keeper, ~/.local/state/keeper), never in a shared folder such as /tmp where
 * another user could make the folder first. The agent and its clients both take it from here.
 */
export function personalSocketPath(env: Readonly<Record<string, string | undefined>>, homedir: string): string {
  const runtimeDir = env['XDG_RUNTIME_DIR'];
  if (runtimeDir) return join(runtimeDir, 'keeper-agent.sock');
  return join(env['XDG_STATE_HOME'] || join(homedir, '.local', 'state'), 'keeper', 'agent.sock');
}

/**
 * Where clients look for the agent, in the contract's order: $KEEPER_AGENT_SOCKET, the system
 * service's socket, then the personal agent's socket.
 */
export function defaultSocketPath(e: SocketPathEnvironment): string {
  if (e.platform === 'win32') return e.env['KEEPER_AGENT_SOCKET'] ?? WINDOWS_PIPE_PATH;
  const explicit = e.env['KEEPER_AGENT_SOCKET'];
  if (explicit) return explicit;
  if (e.systemSocketExists) return SYSTEM_SOCKET_PATH;
  return personalSocketPath(e.env, e.homedir);
}

/** Throws a readable error instead of letting bind() fail with a bare ENAMETOOLONG/EINVAL. */
export function assertSocketPathFits(path: string, platform: NodeJS.Platform = process.platform): void {
  if (platform === 'win32') return;
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new Error(`socket path is ${bytes} bytes, longer than the ${MAX_SOCKET_PATH_BYTES} this OS allows: ${path}`);
  }
}
