import type http from 'node:http';
import type { Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { webShellAdmission } from './webShellAdmission.ts';

const socket = () => ({}) as Socket;
const request = (headers: http.IncomingHttpHeaders, on: Socket = socket()) => ({ headers, socket: on }) as http.IncomingMessage;

describe('webShellAdmission', () => {
  const ok = () => webShellAdmission({ port: 4000, uid: 1000, peerUid: () => Promise.resolve(1000) });

  it('takes exactly the loopback names with the shell’s port as Host', async () => {
    const admit = ok();
    for (const host of ['127.0.0.1:4000', 'localhost:4000', '[::1]:4000']) expect(await admit(request({ host }), false)).toBeNull();
    for (const host of ['evil.example:4000', '127.0.0.1:4001', '127.0.0.1', 'localhost', '127.0.0.1:4000.evil.example', undefined]) {
      expect(await admit(request({ host }), false)).toMatchObject({ status: 421, message: expect.stringContaining('unknown Host') as string });
    }
  });

  it('wants Origin to be the same host where it is needed, and checks any Origin a browser sends', async () => {
    const admit = ok();
    expect(await admit(request({ host: 'localhost:4000', origin: 'http://localhost:4000' }), true)).toBeNull();
    expect(await admit(request({ host: '127.0.0.1:4000' }), true)).toMatchObject({ status: 403 });
    expect(await admit(request({ host: '127.0.0.1:4000', origin: 'http://localhost:4000' }), true)).toMatchObject({ status: 403 });
    expect(await admit(request({ host: '127.0.0.1:4000', origin: 'https://evil.example' }), false)).toMatchObject({
      status: 403,
      message: expect.stringContaining('foreign Origin') as string,
    });
    expect(await admit(request({ host: '127.0.0.1:4000', origin: 'null' }), false)).toMatchObject({ status: 403 });
    expect(await admit(request({ host: '127.0.0.1:4000' }), false)).toBeNull();
  });

  it('lets in the launcher’s uid and root only, and refuses a connection whose owner it cannot tell', async () => {
    const owners = new Map<Socket, number | null>();
    const admit = webShellAdmission({ port: 4000, uid: 1000, peerUid: (s) => Promise.resolve(owners.get(s) ?? null) });
    const ask = async (owner: number | null) => {
      const s = socket();
      owners.set(s, owner);
      return admit(request({ host: '127.0.0.1:4000' }, s), false);
    };
    expect(await ask(1000)).toBeNull();
    expect(await ask(0)).toBeNull();
    expect(await ask(65534)).toEqual({ status: 403, message: 'connection from another user (uid 65534): the web shell serves only uid 1000' });
    expect(await ask(null)).toMatchObject({ status: 403, message: expect.stringContaining('cannot tell') as string });
  });

  it('looks a connection’s owner up once, however many requests it carries', async () => {
    const peerUid = vi.fn(() => Promise.resolve(1000));
    const admit = webShellAdmission({ port: 4000, uid: 1000, peerUid });
    const keptAlive = socket();
    for (let i = 0; i < 3; i++) await admit(request({ host: '127.0.0.1:4000' }, keptAlive), false);
    await admit(request({ host: '127.0.0.1:4000' }), false);
    expect(peerUid).toHaveBeenCalledTimes(2);
  });
});
