import type { Writable } from 'node:stream';
import { AbstractMessageWriter, type Message, type MessageWriter } from 'vscode-jsonrpc/node';

/** One message as one Content-Length frame. */
export function encodeFrame(message: Message): string {
  const body = JSON.stringify(message);
  return `Content-Length: ${Buffer.byteLength(body, 'utf8')}\r\n\r\n${body}`;
}

/**
 * A vscode-jsonrpc MessageWriter that sends each frame, header and body, in one write, in the turn
 * it is asked to. vscode-jsonrpc's stream writer waits a setImmediate per message and writes the
 * header and the body separately, the body only once the header's write has completed: two
 * syscalls, and a reader woken twice. Frames leave in call order because every write is synchronous.
 */
export class FrameWriter extends AbstractMessageWriter implements MessageWriter {
  private readonly socket: Writable;
  private errorCount = 0;

  constructor(socket: Writable) {
    super();
    this.socket = socket;
  }

  write(message: Message): Promise<void> {
    let frame: string;
    try {
      frame = encodeFrame(message);
    } catch (error) {
      // JSON.stringify throws only TypeErrors (a cycle, a BigInt).
      const failure = error instanceof Error ? error : new TypeError(String(error));
      this.fireError(failure, message, ++this.errorCount);
      return Promise.reject(failure);
    }
    return new Promise((resolve, reject) => {
      this.socket.write(frame, 'utf8', (error) => {
        if (error) {
          this.fireError(error, message, ++this.errorCount);
          reject(error);
        } else {
          this.errorCount = 0;
          resolve();
        }
      });
    });
  }

  end(): void {}
}
