import type { Agent } from 'node:https';
import type * as z from 'zod';
import { FleetErrorBody, type FleetErrorCode } from '../../../../shared/protocol/src/common/fleet.ts';

/**
 * Read when first used, not imported: the bundle hoists a builtin's import to its top, where it would
 * load https and tls at every start of the agent, with a fleet or not.
 */
const https = () => process.getBuiltinModule('node:https');

/** The server answered with a refusal (its stable code), as opposed to not answering at all. */
export class FleetCallError extends Error {
  readonly status: number;
  readonly code: FleetErrorCode;
  readonly body: FleetErrorBody | null;

  constructor(status: number, code: FleetErrorCode, message: string, body: FleetErrorBody | null) {
    super(message);
    this.name = 'FleetCallError';
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

/** No answer: refused, reset, timed out. The agent is offline for the fleet until health checks pass. */
export class FleetUnreachableError extends Error {
  /** The server answered 503: it is up but its database is away for a moment (a restart), so a retry may pass. */
  readonly transient: boolean;

  constructor(message: string, transient = false) {
    super(message);
    this.name = 'FleetUnreachableError';
    this.transient = transient;
  }
}

export interface TlsMaterial {
  readonly caPem: string;
  readonly certPem?: string;
  readonly keyPem?: string;
}

/** JSON over HTTPS with this machine's client certificate; the server is verified against the fleet CA. */
export class FleetHttp {
  private agent: Agent;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor({ baseUrl, tls, timeoutMs = 10_000 }: { baseUrl: string; tls: TlsMaterial; timeoutMs?: number }) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.timeoutMs = timeoutMs;
    this.agent = FleetHttp.agentFor(tls);
  }

  private static agentFor(tls: TlsMaterial): Agent {
    const { Agent } = https();
    return new Agent({ keepAlive: true, maxSockets: 16, ca: tls.caPem, ...(tls.certPem && tls.keyPem ? { cert: tls.certPem, key: tls.keyPem } : {}) });
  }

  /** After renewal: new connections present the new certificate (open ones keep their identity). */
  setTls(tls: TlsMaterial): void {
    const old = this.agent;
    this.agent = FleetHttp.agentFor(tls);
    old.destroy();
  }

  close(): void {
    this.agent.destroy();
  }

  async call<T extends z.ZodType>(method: 'GET' | 'POST', path: string, schema: T, body?: unknown): Promise<z.infer<T>> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = https().request(
        `${this.baseUrl}${path}`,
        {
          method,
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (error) => reject(new FleetUnreachableError(error.message)));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (error) => reject(new FleetUnreachableError(`${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}`.trim())));
      req.end(payload);
    });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new FleetUnreachableError(`the fleet server sent a non-JSON answer (HTTP ${status})`);
    }
    if (status >= 200 && status < 300) return schema.parse(json);
    const refusal = FleetErrorBody.safeParse(json);
    if (status === 503 || !refusal.success) throw new FleetUnreachableError(refusal.success ? refusal.data.message : `HTTP ${status}`, status === 503);
    throw new FleetCallError(status, refusal.data.error, refusal.data.message, refusal.data);
  }
}
