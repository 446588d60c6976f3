/** Limits on one Content-Length frame, enforced before any of its body is buffered. */
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
 * Cuts a byte stream into the bodies of its Content-Length frames, refusing an oversized,
 * headerless or ambiguous frame on its header alone, before any of its body is buffered.
 *
 * The unfinished body is held in one buffer that grows by doubling as bytes arrive, never by what a
 * header announces (a header alone must not cost the agent 1 MiB) and never as a list of chunks
 * joined piece by piece (a body trickled in a byte at a time would make that quadratic).
 */
export class FrameSplitter {
  private readonly limits: FrameLimits;
  private header = '';
  /** Bytes still missing from the body in progress; -1 while reading a header. */
  private bodyRemaining = -1;
  /** The body in progress as far as it spans earlier chunks: held[0, heldLength). */
  private held = NOTHING;
  private heldLength = 0;

  constructor(limits: FrameLimits = DEFAULT_FRAME_LIMITS) {
    this.limits = limits;
  }

  /**
   * The bodies of the frames this chunk completes, in order. Throws FrameViolation at the first
   * broken header; the splitter is then unusable, and the frames this chunk completed before the
   * violation are not returned (the connection is closed, so they would get no answer anyway).
   */
  push(chunk: Buffer): Buffer[] {
    const bodies: Buffer[] = [];
    for (let i = 0; i < chunk.length;) {
      if (this.bodyRemaining >= 0) {
        const n = Math.min(this.bodyRemaining, chunk.length - i);
        const finishes = n === this.bodyRemaining;
        if (finishes && this.heldLength === 0) {
          bodies.push(chunk.subarray(i, i + n));
        } else {
          this.hold(chunk.subarray(i, i + n));
          if (finishes) {
            bodies.push(this.held.subarray(0, this.heldLength));
            this.held = NOTHING;
            this.heldLength = 0;
          }
        }
        this.bodyRemaining -= n;
        if (finishes) this.bodyRemaining = -1;
        i += n;
        continue;
      }
      this.header += String.fromCharCode(chunk[i++]!);
      if (this.header.length > this.limits.maxHeaderBytes) {
        throw new FrameViolation(`frame header exceeds ${this.limits.maxHeaderBytes} bytes`);
      }
      if (!this.header.endsWith(HEADER_END)) continue;
      const length = parseContentLength(this.header);
      this.header = '';
      if (length === null) throw new FrameViolation('frame has no valid Content-Length header');
      if (length > this.limits.maxBodyBytes) {
        throw new FrameViolation(`frame of ${length} bytes exceeds the ${this.limits.maxBodyBytes}-byte limit`);
      }
      if (length === 0) bodies.push(NOTHING);
      else this.bodyRemaining = length;
    }
    return bodies;
  }

  private hold(bytes: Buffer): void {
    if (this.heldLength + bytes.length > this.held.length) {
      const grown = Buffer.allocUnsafe(Math.max(4096, 2 * this.held.length, this.heldLength + bytes.length));
      this.held.copy(grown, 0, 0, this.heldLength);
      this.held = grown;
    }
    bytes.copy(this.held, this.heldLength);
    this.heldLength += bytes.length;
  }
}

const PRINTABLE_ASCII = /^[\t\x20-\x7e]*$/;
/** An RFC 7230 token: no whitespace around the name, so every LSP-style reader sees the same name. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Reads the Content-Length of a complete header block, or null if the block is ambiguous. Headers
 * are held to a grammar stricter than LSP's so that no other reader of the same bytes (a proxy, a
 * stock vscode-jsonrpc client, a logger) can see a frame boundary where this one sees none: a name
 * with spaces around it, a stray CR, a byte >= 0x80 or two Content-Lengths are refused.
 */
function parseContentLength(header: string): number | null {
  let length: number | null = null;
  for (const line of header.slice(0, -HEADER_END.length).split('\r\n')) {
    // Printable ASCII only: readers that decode headers as 'ascii' drop the high bit, so 0x8D 0x8A
    // would be a line break (CRLF) for them and not for us.
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
