import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStatusRequest, JsonRpcErrorCodes, PROTOCOL_VERSION, SessionHello } from '../../shared/protocol/src/common/index.ts';
import { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { DEFAULT_FRAME_LIMITS } from '../../shared/protocol/src/node/frameGuard.ts';
import { connectClient, makeSandbox, startAgent, type AgentProcess } from '../support/agentProcess.ts';

/**
 * Bad input over the real socket gets a clear error and loses nothing: the offending connection is
 * answered or closed, every other client keeps being served, and the agent process stays up.
 */

const MAX_BODY = DEFAULT_FRAME_LIMITS.maxBodyBytes;
const MAX_HEADER = DEFAULT_FRAME_LIMITS.maxHeaderBytes;

/** One `Content-Length` frame, as vscode-jsonrpc writes them. */
function frame(body: string | Buffer): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return Buffer.concat([Buffer.from(`Content-Length: ${bytes.length}\r\n\r\n`, 'ascii'), bytes]);
}

function helloRequest(id: number): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'session.hello',
    params: { protocolVersion: PROTOCOL_VERSION, client: { kind: 'cli', name: 'raw-test', version: '1' } },
  });
}

interface RpcMessage {
  jsonrpc?: string;
  id?: number | string | null;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

/**
 * A bare `net` client: writes whatever bytes a test wants and parses the agent's answers with its own
 * small frame reader, so nothing in the typed client can hide (or fix up) what the agent does.
 */
class RawConnection {
  private readonly socket: net.Socket;
  private buffer = Buffer.alloc(0);
  private readonly messages: RpcMessage[] = [];
  private readonly waiters = new Set<() => void>();
  private closedFlag = false;
  /** Anything that arrived and is not a well-formed frame (a test failure on its own). */
  garbage = '';

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
      this.wake();
    });
    // ECONNRESET and EPIPE are outcomes a test looks at through `closed`, not crashes of the test.
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closedFlag = true;
      this.wake();
    });
  }

  static open(path: string): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection(path);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket));
      });
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  send(body: string | Buffer): void {
    this.write(frame(body));
  }

  /** The next message from the agent; rejects if none comes in time or the connection closes first. */
  async next(timeoutMs = 3_000): Promise<RpcMessage> {
    await this.until(() => this.messages.length > 0 || this.closedFlag, timeoutMs, 'no message from the agent');
    const message = this.messages.shift();
    if (!message) throw new Error(`the agent closed the connection without answering${this.garbage ? ` (got ${JSON.stringify(this.garbage)})` : ''}`);
    return message;
  }

  /** Resolves once the agent has closed the connection; rejects if it stays open. */
  async expectClosed(timeoutMs = 3_000): Promise<void> {
    await this.until(() => this.closedFlag, timeoutMs, 'the agent kept the connection open');
  }

  /**
   * Asks agent.status (id `id`) and checks its answer is the next message: the agent answers a
   * connection's requests in order, so nothing sent before it got an answer and the connection is open.
   */
  async expectNothingBefore(id: number): Promise<void> {
    this.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'agent.status' }));
    expect(await this.next()).toMatchObject({ id, result: { online: true } });
    expect(this.messages).toEqual([]);
    expect(this.closedFlag).toBe(false);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private parse(): void {
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const header = this.buffer.subarray(0, end).toString('latin1');
      const match = /^Content-Length: (\d+)$/im.exec(header);
      if (!match) {
        this.garbage += this.buffer.toString('latin1');
        this.buffer = Buffer.alloc(0);
        return;
      }
      const length = Number(match[1]);
      if (this.buffer.length < end + 4 + length) return;
      const body = this.buffer.subarray(end + 4, end + 4 + length).toString('utf8');
      this.buffer = this.buffer.subarray(end + 4 + length);
      this.messages.push(JSON.parse(body) as RpcMessage);
    }
  }

  private wake(): void {
    for (const waiter of this.waiters) waiter();
  }

  private until(done: () => boolean, timeoutMs: number, failure: string): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`${failure} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }
}

describe('bad input on the agent socket', () => {
  const sandbox = makeSandbox();
  let agent: AgentProcess;
  /** A well-behaved client connected before any bad input, checked after every case. */
  let bystander: AgentClient;
  let agentId: string;
  const raws: RawConnection[] = [];

  const raw = async () => {
    const connection = await RawConnection.open(sandbox.socket);
    raws.push(connection);
    return connection;
  };

  /** The bystander still gets correct answers, a newcomer too, and the agent process is alive. */
  const expectOthersUnaffected = async () => {
    const status = await bystander.request(AgentStatusRequest, undefined);
    expect(status.agentId).toBe(agentId);
    expect(status.online).toBe(true);
    expect(bystander.isClosed).toBe(false);
    const newcomer = await connectClient(sandbox.socket);
    try {
      expect((await newcomer.request(AgentStatusRequest, undefined)).agentId).toBe(agentId);
    } finally {
      newcomer.close();
    }
    expect(agent.child.exitCode).toBeNull();
    expect(agent.child.signalCode).toBeNull();
  };

  beforeAll(async () => {
    agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir });
    bystander = await connectClient(sandbox.socket);
    agentId = (await bystander.request(AgentStatusRequest, undefined)).agentId;
  });

  afterAll(async () => {
    for (const connection of raws) connection.destroy();
    bystander?.close();
    await agent?.kill();
    sandbox.cleanup();
  });

  it('the raw helper speaks the protocol: hello, then agent.status with params omitted, null or {}', async () => {
    const connection = await raw();
    connection.send(helloRequest(1));
    const hello = await connection.next();
    expect(hello).toMatchObject({ jsonrpc: '2.0', id: 1, result: { protocolVersion: 1 } });
    // JSON-RPC 2.0 lets a request omit `params`; the agent must not mistake vscode-jsonrpc's
    // cancellation token (passed in their place) for the params.
    connection.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'agent.status' }));
    expect(await connection.next()).toMatchObject({ id: 2, result: { agentId, backend: 'embedded' } });
    connection.send(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'agent.status', params: null }));
    expect(await connection.next()).toMatchObject({ id: 3, result: { agentId } });
    connection.send(JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'agent.status', params: {} }));
    expect(await connection.next()).toMatchObject({ id: 4, result: { agentId } });
    // Params that are there but wrong still get InvalidParams.
    connection.send(JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'agent.status', params: { extra: 1 } }));
    expect(await connection.next()).toMatchObject({ id: 5, error: { code: JsonRpcErrorCodes.InvalidParams } });
    connection.send(JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'agent.status', params: [1, 2] }));
    expect(await connection.next()).toMatchObject({ id: 6, error: { code: JsonRpcErrorCodes.InvalidParams } });
    expect(connection.garbage).toBe('');
  });

  it('a body that is not JSON gets a ParseError (-32700, id null); the connection stays usable', async () => {
    const connection = await raw();
    connection.send('{"jsonrpc": "2.0", "id": 1, "method": ');
    const answer = await connection.next();
    expect(answer.id).toBeNull();
    expect(answer.error?.code).toBe(JsonRpcErrorCodes.ParseError);
    expect(answer.error?.code).toBe(-32700);
    expect(answer.error?.message).toMatch(/JSON/);
    expect(connection.closed).toBe(false);

    // Framing is intact, so the same connection goes on: the next request is answered normally.
    connection.send(helloRequest(2));
    expect(await connection.next()).toMatchObject({ id: 2, result: { protocolVersion: 1 } });
    await expectOthersUnaffected();
  });

  it(`a frame announcing more than ${MAX_BODY} bytes gets an error (id null) naming the limit, then is closed`, async () => {
    const connection = await raw();
    // Only the header and a few bytes: the agent must refuse on the announced length, before any body.
    connection.write(`Content-Length: ${MAX_BODY + 1}\r\n\r\n{"jsonrpc":"2.0",`);
    const answer = await connection.next();
    expect(answer.id).toBeNull();
    expect(answer.error?.code).toBe(JsonRpcErrorCodes.InvalidRequest);
    expect(answer.error?.message).toContain(String(MAX_BODY + 1));
    expect(answer.error?.message).toContain(`${MAX_BODY}-byte limit`);
    await connection.expectClosed();
    await expectOthersUnaffected();
  });

  it(`a frame of exactly ${MAX_BODY} bytes is still accepted`, async () => {
    const connection = await raw();
    const hello = helloRequest(9);
    connection.send(hello + ' '.repeat(MAX_BODY - Buffer.byteLength(hello)));
    expect(await connection.next(10_000)).toMatchObject({ id: 9, result: { protocolVersion: 1 } });
    expect(connection.closed).toBe(false);
  });

  it('a header without Content-Length gets an error (id null), then is closed', async () => {
    const connection = await raw();
    connection.write('Foo: bar\r\n\r\n');
    const answer = await connection.next();
    expect(answer.id).toBeNull();
    expect(answer.error?.code).toBe(JsonRpcErrorCodes.InvalidRequest);
    expect(answer.error?.message).toContain('Content-Length');
    await connection.expectClosed();
    await expectOthersUnaffected();
  });

  it(`a header longer than ${MAX_HEADER} bytes without a terminator is answered and closed`, async () => {
    const connection = await raw();
    connection.write(`X-Padding: ${'x'.repeat(MAX_HEADER + 100)}`);
    const answer = await connection.next();
    expect(answer.id).toBeNull();
    expect(answer.error?.code).toBe(JsonRpcErrorCodes.InvalidRequest);
    expect(answer.error?.message).toContain(String(MAX_HEADER));
    await connection.expectClosed();
    await expectOthersUnaffected();
  });

  it.each([
    ['two Content-Length headers', 'Content-Length: 2\r\nContent-Length: 99999999\r\n\r\n{}'],
    ['a space before the colon', 'Content-Length : 2\r\n\r\n{}'],
    ['a stray CR in the header', 'Content-Length: 2\r\r\n\r\n{}'],
    [
      'a byte >= 0x80 in a header name',
      Buffer.concat([Buffer.from('Content-Length: 2\r\n'), Buffer.from([0xc3]), Buffer.from('ontent-Length: 99999999\r\n\r\n{}')]),
    ],
  ])('a header the parser could read differently from the guard (%s) is refused and closed', async (_, bytes) => {
    const connection = await raw();
    connection.write(bytes);
    const answer = await connection.next();
    expect(answer.id).toBeNull();
    expect(answer.error?.code).toBe(JsonRpcErrorCodes.InvalidRequest);
    await connection.expectClosed();
    await expectOthersUnaffected();
  });

  it('valid JSON that is not JSON-RPC ([1,2,3], {"hello":1}, null) is dropped without an answer; the connection goes on', async () => {
    const connection = await raw();
    connection.send('[1,2,3]');
    connection.send('{"hello":1}');
    connection.send('null');
    connection.send('{"jsonrpc":"2.0","method":"$/cancelRequest"}');
    connection.send(helloRequest(3));
    // The first (and only) answer is the hello's: the invalid messages got none, and did not break the stream.
    expect(await connection.next()).toMatchObject({ id: 3, result: { protocolVersion: 1 } });
    await connection.expectNothingBefore(4);
    await expectOthersUnaffected();
  });

  it('an unknown method gets MethodNotFound (-32601) with its id', async () => {
    const connection = await raw();
    connection.send(JSON.stringify({ jsonrpc: '2.0', id: 'x-1', method: 'no.such.method' }));
    const answer = await connection.next();
    expect(answer.id).toBe('x-1');
    expect(answer.error?.code).toBe(JsonRpcErrorCodes.MethodNotFound);
  });

  it('a client that hangs up in the middle of a frame costs nothing', async () => {
    const connection = await raw();
    // One write: once the hello before it is answered, the agent has read the half frame too.
    connection.write(Buffer.concat([frame(helloRequest(1)), Buffer.from('Content-Length: 200\r\n\r\n{"jsonrpc":"2.0","id":2,"method":"session.hel')]));
    expect(await connection.next()).toMatchObject({ id: 1, result: { protocolVersion: 1 } });
    connection.destroy();
    await expectOthersUnaffected();
  });

  it('200 concurrent connections each complete hello and agent.status', async () => {
    const clients = await Promise.all(Array.from({ length: 200 }, () => AgentClient.connect(sandbox.socket, 10_000)));
    try {
      const results = await Promise.all(
        clients.map(async (client) => {
          const hello = await client.request(SessionHello, { protocolVersion: PROTOCOL_VERSION, client: { kind: 'cli', name: 'crowd', version: '1' } });
          const status = await client.request(AgentStatusRequest, undefined);
          return { sessionId: hello.sessionId, agentId: status.agentId, online: status.online };
        }),
      );
      expect(results).toHaveLength(200);
      expect(new Set(results.map((r) => r.sessionId)).size).toBe(200);
      expect(results.every((r) => r.agentId === agentId && r.online)).toBe(true);
    } finally {
      for (const client of clients) client.close();
    }
    await expectOthersUnaffected();
  });
});

describe('shutdown after bad input', () => {
  it('SIGTERM still stops the agent (exit 0) after a client hung up mid-frame', async () => {
    const sandbox = makeSandbox();
    const agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir });
    try {
      const connection = await RawConnection.open(sandbox.socket);
      // One write: once the hello before it is answered, the agent has read the half frame too.
      connection.write(Buffer.concat([frame(helloRequest(1)), Buffer.from('Content-Length: 200\r\n\r\n{"jsonrpc":"2.0","id":2,')]));
      expect(await connection.next()).toMatchObject({ id: 1, result: { protocolVersion: 1 } });
      connection.destroy();
      const client = await connectClient(sandbox.socket);
      expect((await client.request(AgentStatusRequest, undefined)).online).toBe(true);
      client.close();

      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        agent.stop(),
        new Promise<'still running'>((resolve) => {
          timer = setTimeout(() => resolve('still running'), 5_000);
        }),
      ]).finally(() => clearTimeout(timer));
      expect(code).toBe(0);
    } finally {
      await agent.kill();
      sandbox.cleanup();
    }
  });
});
