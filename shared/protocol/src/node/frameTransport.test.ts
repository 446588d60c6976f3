import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Message } from 'vscode-jsonrpc/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FrameViolation } from './frameGuard.ts';
import { FrameReader } from './frameReader.ts';
import { FrameWriter } from './frameWriter.ts';

describe('FrameWriter', () => {
  it('writes each message as one frame, header and body in a single write', async () => {
    const out = new PassThrough();
    const writes: string[] = [];
    out.on('data', (chunk: Buffer) => writes.push(chunk.toString('utf8')));
    const writer = new FrameWriter(out);
    await writer.write({ jsonrpc: '2.0', id: 1, result: { text: 'grüße' } } as Message);
    await writer.write({ jsonrpc: '2.0', method: 'agent.statusChanged' } as Message);
    const bodies = ['{"jsonrpc":"2.0","id":1,"result":{"text":"grüße"}}', '{"jsonrpc":"2.0","method":"agent.statusChanged"}'];
    // Content-Length counts bytes, not characters.
    expect(writes).toEqual(bodies.map((body) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`));
  });

  it('rejects a message JSON cannot encode and reports it, without writing anything', async () => {
    const out = new PassThrough();
    const writer = new FrameWriter(out);
    const errors: Error[] = [];
    writer.onError(([error]) => errors.push(error));
    await expect(writer.write({ jsonrpc: '2.0', id: 1, result: 1n } as unknown as Message)).rejects.toThrow(TypeError);
    expect(errors).toHaveLength(1);
    expect(out.readableLength).toBe(0);
  });
});

describe('FrameReader over a real socket', () => {
  let dir: string;
  let server: net.Server;
  let client: net.Socket;
  let accepted: net.Socket;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keeper-frames-'));
    const path = join(dir, 's.sock');
    const connected = new Promise<net.Socket>((resolve) => {
      server = net.createServer(resolve);
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    client = net.createConnection(path);
    accepted = await connected;
  });

  afterEach(async () => {
    client.destroy();
    accepted.destroy();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  /** Collects what the reader hands on and reports, until `done` holds. */
  function read(reader: FrameReader, done: (messages: unknown[], errors: Error[]) => boolean) {
    const messages: unknown[] = [];
    const errors: Error[] = [];
    return new Promise<{ messages: unknown[]; errors: Error[] }>((resolve) => {
      const check = () => done(messages, errors) && resolve({ messages, errors });
      reader.onError((error) => {
        errors.push(error);
        check();
      });
      reader.listen((message) => {
        messages.push(message);
        check();
      });
    });
  }

  it('hands on every message in order, and reports a body that is not JSON without stopping', async () => {
    const reader = new FrameReader(accepted);
    const result = read(reader, (messages) => messages.length === 2);
    const writer = new FrameWriter(client);
    await writer.write({ jsonrpc: '2.0', id: 1, method: 'a' } as Message);
    client.write('Content-Length: 1\r\n\r\n{');
    await writer.write({ jsonrpc: '2.0', id: 2, method: 'b' } as Message);
    const { messages, errors } = await result;
    expect(messages).toEqual([
      { jsonrpc: '2.0', id: 1, method: 'a' },
      { jsonrpc: '2.0', id: 2, method: 'b' },
    ]);
    expect(errors.map((e) => e.name)).toEqual(['SyntaxError']);
  });

  it('stops reading at a framing violation and reports it once', async () => {
    const reader = new FrameReader(accepted, { maxBodyBytes: 100, maxHeaderBytes: 100 });
    const result = read(reader, (_, errors) => errors.length > 0);
    client.write('Content-Length: 101\r\n\r\n');
    const { errors } = await result;
    expect(errors).toEqual([new FrameViolation('frame of 101 bytes exceeds the 100-byte limit')]);
    expect(accepted.isPaused()).toBe(true);
  });

  it('reports the socket closing', async () => {
    const reader = new FrameReader(accepted);
    reader.listen(() => {});
    const closed = new Promise<void>((resolve) => reader.onClose(() => resolve()));
    client.end();
    await closed;
  });
});
