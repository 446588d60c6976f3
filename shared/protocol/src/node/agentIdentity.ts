import type net from 'node:net';
import { peerCredentialsOf } from './peerCredentials.ts';

/** The agent a client may talk to runs as root (the system service) or as the client's own user. */
export class AgentIdentityError extends Error {
  readonly socketPath: string;
  readonly agentUid: number | null;

  constructor(socketPath: string, agentUid: number | null, message: string) {
    super(message);
    this.name = 'AgentIdentityError';
    this.socketPath = socketPath;
    this.agentUid = agentUid;
  }
}

/**
 * Null when the kernel (SO_PEERCRED) says the process listening on this connected socket is root or
 * this user; otherwise the refusal: anyone else could have put their own agent on the path to read
 * what clients send. Fails closed when the credentials cannot be read. Named pipes (Windows) are out of its reach.
 */
export function untrustedAgent(socket: net.Socket, socketPath: string): AgentIdentityError | null {
  return agentIdentityRefusal(() => peerCredentialsOf(socket).uid, socketPath);
}

/** The same rule for any connection: `readAgentUid` reads the listening end's uid from the kernel, or throws. */
export function agentIdentityRefusal(readAgentUid: () => number, socketPath: string): AgentIdentityError | null {
  const ownUid = process.getuid?.();
  if (process.platform === 'win32' || ownUid === undefined) return null;
  let agentUid: number;
  try {
    agentUid = readAgentUid();
  } catch (error) {
    return new AgentIdentityError(socketPath, null, `cannot tell who the agent at ${socketPath} is, so nothing was sent: ${(error as Error).message}`);
  }
  if (agentUid === 0 || agentUid === ownUid) return null;
  return new AgentIdentityError(
    socketPath,
    agentUid,
    `refusing the agent at ${socketPath}: it runs as uid ${agentUid}, not as root or as this user (uid ${ownUid}), so nothing was sent`,
  );
}
