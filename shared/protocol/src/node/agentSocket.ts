import type net from 'node:net';
import { untrustedAgent } from './agentIdentity.ts';

/**
 * A connected socket to the agent at `path`, or a rejection: the connection error, a timeout, or an
 * AgentIdentityError when the listening end is neither root nor this user. AgentClient's transport, and
 * a one-shot CLI's where it cannot use a plain descriptor (connectAgentChannel.ts); node:net is read here, at the
 * call, so a CLI bundle that never calls it does not load it.
 */
export function connectAgentSocket(path: string, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = process.getBuiltinModule('node:net').createConnection(path);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`timed out connecting to the agent at ${path}`));
    }, timeoutMs);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      // Before a single byte (session.hello included) goes to whoever listens on the path.
      const refused = untrustedAgent(socket, path);
      if (refused) {
        socket.destroy();
        reject(refused);
        return;
      }
      socket.removeAllListeners('error');
      socket.on('error', () => socket.destroy());
      resolve(socket);
    });
  });
}
