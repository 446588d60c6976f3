import type net from 'node:net';
import type { AgentChannel } from './agentChannel.ts';
import { connectAgentSocket } from './agentSocket.ts';
import { connectDescriptorChannel } from './descriptorChannel.ts';
import { peercredAddon } from './peercredAddon.ts';

/**
 * Connects to the agent at `path` and checks, before anything is sent, that root or this user listens
 * there (agentIdentity.ts). On POSIX the connection is a plain descriptor read and written with node:fs
 * (descriptorChannel.ts): loading node:net and its streams costs a one-shot CLI more CPU than its whole
 * conversation with the agent. Windows named pipes, and an addon built before it could connect, use node:net.
 */
export async function connectAgentChannel(path: string, timeoutMs: number): Promise<AgentChannel> {
  const { connectUnixSocket, shutdownSocket, getPeerCredentials } = (process.platform === 'win32' ? null : peercredAddon()) ?? {};
  if (connectUnixSocket && shutdownSocket && getPeerCredentials) {
    return connectDescriptorChannel({ connectUnixSocket, shutdownSocket, getPeerCredentials }, path, timeoutMs);
  }
  return socketChannel(await connectAgentSocket(path, timeoutMs));
}

function socketChannel(socket: net.Socket): AgentChannel {
  let closedHere = false;
  return {
    write: (data) => void socket.write(data),
    onData: (listener) => void socket.on('data', listener),
    onClose: (listener) => void socket.on('close', () => closedHere || listener()),
    close: () => {
      closedHere = true;
      socket.destroy();
    },
  };
}
