import tls from 'node:tls';

/** The TLS identity of a simulated agent (its client certificate) and the fleet CA it trusts. */
export interface SimTls {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export interface SimResponse {
  readonly status: number;
  readonly body: string;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * A lean HTTPS/1.1 client for the fleet bench's simulated agents: keep-alive mutual-TLS connections
 * (one request at a time on each, up to `maxConnections`, as the agent's https.Agent keeps them),
 * the same requests on the wire, and none of node:http's per-request machinery. The simulator
 * shares the two cores with the servers it measures, so what it spends per call is kept small.
 * Answers must carry a Content-Length (Fastify's do); anything else is an error.
 */
export class SimHttp {
  private readonly idle: SimConnection[] = [];
  private readonly all = new Set<SimConnection>();
  private readonly queue: (() => void)[] = [];
  private readonly host: string;
  private readonly port: number;
  private readonly identity: SimTls;
  private readonly maxConnections: number;

  constructor(url: string, identity: SimTls, maxConnections = 16) {
    this.identity = identity;
    this.maxConnections = maxConnections;
    const parsed = new URL(url);
    this.host = parsed.hostname;
    this.port = Number(parsed.port);
  }

  async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<SimResponse> {
    const connection = await this.acquire();
    try {
      return await connection.request(method, path, body === undefined ? undefined : JSON.stringify(body));
    } catch (error) {
      this.all.delete(connection);
      connection.destroy();
      throw error;
    } finally {
      if (this.all.has(connection)) this.release(connection);
    }
  }

  close(): void {
    for (const connection of this.all) connection.destroy();
    this.all.clear();
    this.idle.length = 0;
  }

  private async acquire(): Promise<SimConnection> {
    for (;;) {
      const idle = this.idle.pop();
      // The server may have closed a keep-alive connection while it sat idle: drop it, make another.
      if (idle && idle.failed) {
        this.all.delete(idle);
        continue;
      }
      if (idle) return idle;
      if (this.all.size < this.maxConnections) {
        const connection = new SimConnection(this.host, this.port, this.identity);
        this.all.add(connection);
        return connection;
      }
      await new Promise<void>((ok) => this.queue.push(ok));
    }
  }

  private release(connection: SimConnection): void {
    this.idle.push(connection);
    this.queue.shift()?.();
  }
}

/** One keep-alive connection: a request is written in one go and its answer read by Content-Length. */
class SimConnection {
  private readonly socket: tls.TLSSocket;
  private buffered: Buffer = Buffer.alloc(0);
  private pending: { ok: (response: SimResponse) => void; fail: (error: Error) => void } | null = null;
  private failure: Error | null = null;
  private readonly authority: string;

  constructor(host: string, port: number, identity: SimTls) {
    this.authority = `${host}:${port}`;
    this.socket = tls.connect({ host, port, servername: host, ca: identity.caPem, cert: identity.certPem, key: identity.keyPem });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const gone = (error: Error) => {
      this.failure = error;
      this.pending?.fail(error);
      this.pending = null;
    };
    this.socket.on('error', gone);
    this.socket.on('close', () => gone(new Error('connection closed by the server')));
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  request(method: string, path: string, payload: string | undefined): Promise<SimResponse> {
    if (this.failure) return Promise.reject(this.failure);
    const head = `${method} ${path} HTTP/1.1\r\nhost: ${this.authority}\r\n`;
    const text =
      payload === undefined ? `${head}\r\n` : `${head}content-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`;
    return new Promise<SimResponse>((ok, fail) => {
      this.pending = { ok, fail };
      this.socket.write(text);
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const end = this.buffered.indexOf(HEADER_END);
    if (end < 0) return;
    const head = this.buffered.toString('latin1', 0, end);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) {
      this.socket.destroy(new Error(`an answer without Content-Length: ${head.slice(0, 200)}`));
      return;
    }
    const bodyEnd = end + 4 + Number(length[1]);
    if (this.buffered.length < bodyEnd) return;
    const status = Number(head.slice(9, 12));
    const body = this.buffered.toString('utf8', end + 4, bodyEnd);
    this.buffered = this.buffered.subarray(bodyEnd);
    const pending = this.pending;
    this.pending = null;
    pending?.ok({ status, body });
  }
}
