import { Transform, type TransformCallback } from 'node:stream';

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

/**
 * A pass-through stream that reads the framing headers itself: vscode-jsonrpc buffers whatever a
 * Content-Length announces, so an oversized or headerless frame must be refused here.
 */
export function createFrameGuard(limits: FrameLimits = DEFAULT_FRAME_LIMITS): Transform {
  let bodyRemaining = 0;
  let header = '';
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      for (let i = 0; i < chunk.length; ) {
        if (bodyRemaining > 0) {
          const n = Math.min(bodyRemaining, chunk.length - i);
          bodyRemaining -= n;
          i += n;
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
      }
      callback(null, chunk);
    },
  });
}

function parseContentLength(header: string): number | null {
  let length: number | null = null;
  for (const line of header.slice(0, -HEADER_END.length).split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) return null;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') {
      if (!/^\d{1,10}$/.test(value)) return null;
      length = Number(value);
    }
  }
  return length;
}
