/** A one-shot client's connection to the agent: bytes both ways, and the agent's end closing. */
export interface AgentChannel {
  /** Sends all of `data`; when the agent is gone the channel closes instead (onClose). */
  write(data: string): void;
  /** Every chunk the agent sends, in order. One listener. */
  onData(listener: (chunk: Buffer) => void): void;
  /** Told once when the agent's end closes or the connection fails; not after `close`. One listener. */
  onClose(listener: () => void): void;
  /** Closes this end; nothing more is read, written or told. */
  close(): void;
}
