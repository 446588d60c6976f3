import { Transform, type TransformCallback, type Writable } from 'node:stream';

/** Limits on one Content-Length frame, enforced before vscode-jsonrpc buffers anything. */
export interface FrameLimits {
  readonly maxBodyBytes: number;
  readonly maxHeaderBytes: number;
}

export const DEFAULT_FRAME_LIMITS: FrameLimits = { maxBodyBytes: 1 << 20, maxHeaderBytes: 1024 };

export class FrameViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameViolation';
  }
}

const HEADER_END = '\r\n\r\n';
const NOTHING = Buffer.alloc(0);

/**
 * A stream between the socket and vscode-jsonrpc that reads the framing headers itself:
 * vscode-jsonrpc buffers whatever a Content-Length announces, so an oversized or headerless frame
 * must be refused here.
 *
 * It also hands vscode-jsonrpc whole frames only. vscode-jsonrpc keeps what it has received as a
 * list of chunks and assembles a body with one Array.shift() per chunk, which is quadratic: a 1 MiB
 * body trickled in a byte at a time (one read per byte) would freeze the agent for minutes once it
 * completes. The unfinished frame is held here instead, in one buffer that grows by doubling.
 *
 * `replies` (the agent passes the connection's socket) adds backpressure. vscode-jsonrpc reads all
 * it is sent, queues every message and dispatches one per event-loop turn, so a client writing
 * faster than that, or not reading its answers, would grow the agent without bound. With `replies`
 * the next chunk is accepted only after one turn per frame of this one and once the answers queued
 * so far have left; meanwhile the socket is not read and the client's own writes block. Only the
 * side that answers may do this: if both sides did, two peers writing more than the socket buffers
 * hold would wait for each other forever.
 */
export function createFrameGuard(limits: FrameLimits = DEFAULT_FRAME_LIMITS, replies?: Writable): Transform {
  let bodyRemaining = 0;
  let header = '';
  /** The start of the frame in progress, received in earlier chunks: held[0, heldLength). */
  let held = NOTHING;
  let heldLength = 0;
  const hold = (bytes: Buffer) => {
    if (heldLength + bytes.length > held.length) {
      const grown = Buffer.allocUnsafe(Math.max(4096, 2 * held.length, heldLength + bytes.length));
      held.copy(grown, 0, 0, heldLength);
      held = grown;
    }
    bytes.copy(held, heldLength);
    heldLength += bytes.length;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      let frames = 0;
      /** This chunk's bytes before `complete` finish whole frames. */
      let complete = 0;
      for (let i = 0; i < chunk.length; ) {
        if (bodyRemaining > 0) {
          const n = Math.min(bodyRemaining, chunk.length - i);
          bodyRemaining -= n;
          i += n;
          if (bodyRemaining === 0) {
            frames++;
            complete = i;
          }
          continue;
        }
        header += String.fromCharCode(chunk[i++]!);
        if (header.length > limits.maxHeaderBytes) {
          callback(new FrameViolation(`frame header exceeds ${limits.maxHeaderBytes} bytes`));
          return;
        }
        if (!header.endsWith(HEADER_END)) continue;
        const length = parseContentLength(header);
        header = '';
        if (length === null) {
          callback(new FrameViolation('frame has no valid Content-Length header'));
          return;
        }
        if (length > limits.maxBodyBytes) {
          callback(new FrameViolation(`frame of ${length} bytes exceeds the ${limits.maxBodyBytes}-byte limit`));
          return;
        }
        bodyRemaining = length;
        if (length === 0) {
          frames++;
          complete = i;
        }
      }
      let whole: Buffer | null = null;
      if (complete > 0) {
        whole = heldLength === 0 ? chunk.subarray(0, complete) : Buffer.concat([held.subarray(0, heldLength), chunk.subarray(0, complete)]);
        held = NOTHING;
        heldLength = 0;
      }
      if (complete < chunk.length) hold(chunk.subarray(complete));
      if (whole) this.push(whole);
      if (!replies) {
        callback();
        return;
      }
      paceAfter(frames, replies, () => callback());
    },
  });
}

/** Calls `next` after `turns` event-loop turns and once everything written to `replies` so far has left. */
function paceAfter(turns: number, replies: Writable, next: () => void): void {
  const step = () => {
    if (turns-- > 0) {
      setImmediate(step);
    } else if (replies.writable && replies.writableLength > 0) {
      // Writes are ordered: this empty one completes once every answer queued before it has left.
      replies.write(NOTHING, () => next());
    } else {
      next();
    }
  };
  step();
}

const PRINTABLE_ASCII = /^[\t\x20-\x7e]*$/;
/** An RFC 7230 token: no whitespace, so vscode-jsonrpc (which does not trim names) reads the same name. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Reads the Content-Length of a complete header block, or null if the block is not one that
 * vscode-jsonrpc reads the same way. The guard and the parser must agree on every frame boundary:
 * a header the two split differently (a name with spaces around it, a stray CR, a byte >= 0x80, two
 * Content-Lengths) would let the parser see a length the guard never checked, and buffer it without
 * limit.
 */
function parseContentLength(header: string): number | null {
  let length: number | null = null;
  for (const line of header.slice(0, -HEADER_END.length).split('\r\n')) {
    // Printable ASCII only: vscode-jsonrpc decodes headers as 'ascii', which drops the high bit, so
    // 0x8D 0x8A would become a CRLF (a line break) for it and not for us.
    if (!PRINTABLE_ASCII.test(line)) return null;
    const colon = line.indexOf(':');
    if (colon <= 0) return null;
    const name = line.slice(0, colon);
    if (!HEADER_NAME.test(name)) return null;
    if (name.toLowerCase() === 'content-length') {
      const value = line.slice(colon + 1).trim();
      if (length !== null || !/^\d{1,10}$/.test(value)) return null;
      length = Number(value);
    }
  }
  return length;
}
