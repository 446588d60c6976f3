import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AgentChannel } from './agentChannel.ts';
import { connectDescriptorChannel, type DescriptorSocketCalls } from './descriptorChannel.ts';
import { peercredAddon } from './peercredAddon.ts';

const addon = peercredAddon();
const calls: DescriptorSocketCalls = {
  connectUnixSocket: addon!.connectUnixSocket!,
  shutdownSocket: addon!.shutdownSocket!,
  getPeerCredentials: addon!.getPeerCredentials!,
};

/** A listener on `path` that hands each accepted connection to `onPeer`. */
async function listen(path: string, onPeer: (peer: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer(onPeer);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return server;
}

const received = (channel: AgentChannel) =>
  new Promise<string>((resolve) => {
    let text = '';
    channel.onData((chunk) => {
      text += chunk.toString();
      if (text.endsWith('\n')) resolve(text);
    });
  });

describe.skipIf(process.platform !== 'linux')('the one-shot CLIs’ descriptor channel to the agent', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kpt-fdchannel-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says what node:net would when nothing listens, and leaves no descriptor open', () => {
    const missing = join(dir, 'missing.sock');
    const open = readdirSync('/proc/self/fd').length;
    expect(() => connectDescriptorChannel(calls, missing, 1000)).toThrow(`connect ENOENT ${missing}`);
    try {
      connectDescriptorChannel(calls, missing, 1000);
    } catch (error) {
      expect(error).toMatchObject({ code: 'ENOENT', syscall: 'connect', address: missing });
    }
    expect(readdirSync('/proc/self/fd')).toHaveLength(open);
  });

  it('refuses a path longer than a Unix socket address can hold', () => {
    const long = join(dir, 'x'.repeat(120));
    expect(() => connectDescriptorChannel(calls, long, 1000)).toThrow(`connect ENAMETOOLONG ${long}`);
  });

  it('carries bytes both ways, and tells the close listener once when the agent hangs up', async () => {
    const path = join(dir, 'echo.sock');
    const server = await listen(path, (peer) =>
      peer.on('data', (data) => {
        peer.write(`echo ${data.toString()}`);
        peer.end();
      }),
    );
    try {
      const channel = connectDescriptorChannel(calls, path, 1000);
      let closes = 0;
      const closed = new Promise<void>((resolve) =>
        channel.onClose(() => {
          closes++;
          resolve();
        }),
      );
      const answer = received(channel);
      channel.write('hello ✓\n');
      expect(await answer).toBe('echo hello ✓\n');
      await closed;
      // Gone: writing now is a no-op, not a throw or a second close.
      channel.write('more\n');
      expect(closes).toBe(1);
    } finally {
      server.close();
    }
  });

  it('close() ends a read still waiting for the agent: the agent sees the hang-up and the listener is not told', async () => {
    const path = join(dir, 'silent.sock');
    let peerClosed!: () => void;
    const hungUp = new Promise<void>((resolve) => (peerClosed = resolve));
    const server = await listen(path, (peer) => {
      peer.on('close', () => peerClosed());
      peer.resume();
    });
    try {
      const channel = connectDescriptorChannel(calls, path, 1000);
      let told = false;
      channel.onClose(() => (told = true));
      channel.onData(() => {});
      await new Promise((resolve) => setTimeout(resolve, 50));
      channel.close();
      await hungUp;
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(told).toBe(false);
    } finally {
      server.close();
    }
  });

  it('a write to an agent that is gone closes the channel (EPIPE), telling the listener', async () => {
    const path = join(dir, 'gone.sock');
    let dropped!: () => void;
    const gone = new Promise<void>((resolve) => (dropped = resolve));
    const server = await listen(path, (peer) => {
      peer.destroy();
      dropped();
    });
    try {
      const channel = connectDescriptorChannel(calls, path, 1000);
      const closed = new Promise<void>((resolve) => channel.onClose(resolve));
      await gone;
      await new Promise((resolve) => setTimeout(resolve, 50));
      // The first write may still be accepted by the kernel; one of these meets the closed end.
      for (let i = 0; i < 3; i++) channel.write('x'.repeat(1024));
      await closed;
    } finally {
      server.close();
    }
  });

  it('a write the agent does not take within the connect timeout closes the channel instead of holding the CLI', async () => {
    const path = join(dir, 'stuck.sock');
    // An agent that accepts and never reads: its receive queue fills, and a blocking write would wait for good.
    const server = await listen(path, (peer) => peer.pause());
    try {
      const channel = connectDescriptorChannel(calls, path, 300);
      let closed = false;
      channel.onClose(() => (closed = true));
      const started = Date.now();
      channel.write('x'.repeat(8 * 1024 * 1024));
      expect(closed).toBe(true);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      server.close();
    }
  });
});
