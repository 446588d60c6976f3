import { closeSync, read, writeSync } from 'node:fs';
import { getSystemErrorName } from 'node:util';
import type { connectUnixSocket, getPeerCredentials, shutdownSocket } from '@keeper/peercred';
import type { AgentChannel } from './agentChannel.ts';
import { agentIdentityRefusal } from './agentIdentity.ts';

/** The addon's functions this channel needs. */
export interface DescriptorSocketCalls {
  readonly connectUnixSocket: typeof connectUnixSocket;
  readonly shutdownSocket: typeof shutdownSocket;
  readonly getPeerCredentials: typeof getPeerCredentials;
}

/**
 * Nearly three of the agent's largest frames (program output, 90,000 base64 characters each) per read: with node:net's
 * 64 KiB, 1 MB of output took two reads and pool round trips per frame (56.0 against 47.7 ms for the whole call).
 */
const CHUNK_BYTES = 256 * 1024;

/**
 * Connects to the agent's Unix socket as a plain descriptor (the addon's blocking connect, bounded by
 * `timeoutMs`) and refuses it, closed and with nothing sent, unless root or this user listens there.
 * Errors read as node:net's do (`connect ENOENT /run/keeper-agent/agent.sock`), so a CLI's message is unchanged.
 */
export function connectDescriptorChannel(calls: DescriptorSocketCalls, path: string, timeoutMs: number): AgentChannel {
  let fd: number;
  try {
    fd = calls.connectUnixSocket(path, timeoutMs);
  } catch (error) {
    throw connectError(error, path);
  }
  const refused = agentIdentityRefusal(() => calls.getPeerCredentials(fd).uid, path);
  if (refused) {
    closeSync(fd);
    throw refused;
  }
  return new DescriptorChannel(fd, calls.shutdownSocket);
}

function connectError(error: unknown, path: string): Error {
  const errno = (error as { errno?: unknown }).errno;
  if (typeof errno !== 'number') return error as Error;
  const code = getSystemErrorName(-errno);
  // A blocking connect that ran out of its send timeout (a listener whose backlog stays full).
  if (code === 'EAGAIN') return new Error(`timed out connecting to the agent at ${path}`);
  return Object.assign(new Error(`connect ${code} ${path}`), { code, errno: -errno, syscall: 'connect', address: path });
}

/**
 * Reads with fs.read on libuv's pool (a blocking descriptor: one read waits for the agent at a time) and
 * writes with writeSync: a one-shot client's requests are small, and the agent reads all the time; a write the
 * agent does not take within the connect timeout (the socket's send timeout) closes the channel. `close`
 * shuts the socket down so a pending read returns at once; the descriptor is closed when no read uses it.
 */
class DescriptorChannel implements AgentChannel {
  private dataListener: (chunk: Buffer) => void = () => {};
  private closeListener: () => void = () => {};
  private closed = false;
  private reading = false;
  private readonly fd: number;
  private readonly shutdown: (fd: number) => void;

  constructor(fd: number, shutdown: (fd: number) => void) {
    this.fd = fd;
    this.shutdown = shutdown;
  }

  write(data: string): void {
    if (this.closed) return;
    const bytes = Buffer.from(data, 'utf8');
    try {
      for (let sent = 0; sent < bytes.length;) sent += writeSync(this.fd, bytes, sent);
    } catch {
      // EPIPE or ECONNRESET: the agent is gone, as a net.Socket's 'close' would say; EAGAIN: it stopped reading.
      this.end(true);
    }
  }

  onData(listener: (chunk: Buffer) => void): void {
    this.dataListener = listener;
    if (!this.reading && !this.closed) this.readNext();
  }

  onClose(listener: () => void): void {
    this.closeListener = listener;
  }

  close(): void {
    this.end(false);
  }

  private readNext(): void {
    this.reading = true;
    read(this.fd, Buffer.allocUnsafe(CHUNK_BYTES), 0, CHUNK_BYTES, null, (error, bytes, buffer) => {
      this.reading = false;
      if (this.closed) {
        closeSync(this.fd);
        return;
      }
      if (error || bytes === 0) {
        this.end(true);
        return;
      }
      this.dataListener(buffer.subarray(0, bytes));
      // A listener that closed the channel had it close the descriptor (no read was pending then).
      if (!this.closed) this.readNext();
    });
  }

  private end(tell: boolean): void {
    if (this.closed) return;
    this.closed = true;
    if (this.reading) this.shutdown(this.fd);
    else closeSync(this.fd);
    if (tell) this.closeListener();
  }
}
