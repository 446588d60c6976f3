import type net from 'node:net';
import type { Writable } from 'node:stream';
import { AbstractMessageReader, type DataCallback, type Disposable, type Message, type MessageReader } from 'vscode-jsonrpc/node';
import { DEFAULT_FRAME_LIMITS, FrameSplitter, FrameViolation, type FrameLimits } from './frameGuard.ts';

/**
 * A vscode-jsonrpc MessageReader that decodes frames synchronously in the socket's 'data' handler.
 * vscode-jsonrpc's own stream reader decodes each message behind a semaphore that waits a
 * setImmediate (a full event-loop turn per message), and buffers whatever a Content-Length announces,
 * so it would need a guard stream in front of it. Here the guard is the reader: every frame is
 * checked by FrameSplitter before its body is buffered, and handed on parsed in the turn it arrived.
 *
 * Errors go to onError: a FrameViolation (after which nothing more is read from the socket) or the
 * SyntaxError of a well-framed body that is not JSON (reading goes on).
 *
 * `replies` (the agent passes the connection's socket) adds backpressure. vscode-jsonrpc's
 * connection queues every message it is handed and dispatches one per event-loop turn, so a client
 * writing faster than that, or not reading its answers, would grow the agent without bound. With
 * `replies` the socket is paused after each chunk until one turn per frame of it has passed and the
 * answers queued so far have left; meanwhile the client's own writes block. Only the side that
 * answers may do this: if both sides did, two peers writing more than the socket buffers hold would
 * wait for each other forever.
 */
export class FrameReader extends AbstractMessageReader implements MessageReader {
  private readonly socket: net.Socket;
  private readonly splitter: FrameSplitter;
  private readonly replies: Writable | undefined;
  private stopped = false;
  private readonly onSocketClose = () => this.fireClose();
  private onSocketData: ((chunk: Buffer) => void) | null = null;

  constructor(socket: net.Socket, limits: FrameLimits = DEFAULT_FRAME_LIMITS, replies?: Writable) {
    super();
    this.socket = socket;
    this.splitter = new FrameSplitter(limits);
    this.replies = replies;
  }

  listen(callback: DataCallback): Disposable {
    const onData = (chunk: Buffer) => {
      if (this.stopped) return;
      let bodies: Buffer[];
      try {
        bodies = this.splitter.push(chunk);
      } catch (error) {
        this.stop();
        this.fireError(error instanceof FrameViolation ? error : new FrameViolation('unreadable frame'));
        return;
      }
      for (const body of bodies) {
        let message: Message;
        try {
          message = JSON.parse(body.toString('utf8')) as Message;
        } catch (error) {
          this.fireError(error);
          continue;
        }
        // Reported like vscode-jsonrpc's own reader does: its connection throws on some messages
        // (such as $/cancelRequest without params), which must not take the process down.
        try {
          callback(message);
        } catch (error) {
          this.fireError(error);
        }
        if (this.stopped) return;
      }
      if (this.replies) this.pace(bodies.length, this.replies);
    };
    this.onSocketData = onData;
    this.socket.on('data', onData);
    this.socket.on('close', this.onSocketClose);
    return { dispose: () => this.stop() };
  }

  override dispose(): void {
    this.stop();
    super.dispose();
  }

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.onSocketData) this.socket.off('data', this.onSocketData);
    this.socket.off('close', this.onSocketClose);
    this.socket.pause();
  }

  /** Pauses the socket until `frames` event-loop turns have passed and everything written to `replies` so far has left. */
  private pace(frames: number, replies: Writable): void {
    if (frames === 0 && !(replies.writable && replies.writableLength > 0)) return;
    this.socket.pause();
    let turns = frames;
    const step = () => {
      if (this.stopped) return;
      if (turns-- > 0) {
        setImmediate(step);
      } else if (replies.writable && replies.writableLength > 0) {
        // Writes are ordered: this empty one completes once every answer queued before it has left.
        replies.write(EMPTY, () => this.resume());
      } else {
        this.resume();
      }
    };
    step();
  }

  private resume(): void {
    if (!this.stopped) this.socket.resume();
  }
}

const EMPTY = Buffer.alloc(0);
