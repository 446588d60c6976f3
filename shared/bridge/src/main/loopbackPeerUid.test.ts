import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net, { type AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { loopbackPeerUid } from './loopbackPeerUid.ts';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
/** A /proc/net/tcp line: 127.0.0.1:`local` → 127.0.0.1:`remote`, owned by `uid`. */
const line = (n: number, local: number, remote: number, uid: number, addr = '0100007F', inode = 1000 + n) =>
  `   ${n}: ${addr}:${local.toString(16).toUpperCase().padStart(4, '0')} ${addr}:${remote.toString(16).toUpperCase().padStart(4, '0')} 01 00000000:00000000 00:00000000 00000000 ${String(uid).padStart(5)}        0 ${inode} 1 0000000000000000 20 4 30 10 -1\n`;

describe('loopbackPeerUid', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kpt-procnet-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ends = { localAddress: '127.0.0.1', localPort: 6000, remoteAddress: '127.0.0.1', remotePort: 40000 };
  const procOnly = { kernel: null, procNet: dir };

  it('reads the uid of the client end (local = our peer, remote = us), not of our own end', async () => {
    writeFileSync(join(dir, 'tcp'), HEADER + line(0, 6000, 40000, 0) + line(1, 40000, 6000, 65534) + line(2, 40001, 6000, 1000));
    writeFileSync(join(dir, 'tcp6'), HEADER);
    expect(await loopbackPeerUid(ends, procOnly)).toBe(65534);
    expect(await loopbackPeerUid({ ...ends, remotePort: 40001 }, procOnly)).toBe(1000);
  });

  it('finds a dual-stack client in tcp6 (IPv4-mapped addresses), and gives null for a connection it cannot see', async () => {
    writeFileSync(join(dir, 'tcp'), HEADER + line(0, 6000, 40000, 0));
    writeFileSync(join(dir, 'tcp6'), HEADER + line(0, 40000, 6000, 1001, '0000000000000000FFFF00000100007F'));
    expect(await loopbackPeerUid({ ...ends, remoteAddress: '::ffff:127.0.0.1' }, procOnly)).toBe(1001);
    expect(await loopbackPeerUid({ ...ends, remotePort: 40002 }, procOnly)).toBeNull();
    // Another loopback address with the same ports is another connection.
    expect(await loopbackPeerUid({ ...ends, remoteAddress: '127.0.0.2' }, procOnly)).toBeNull();
    expect(await loopbackPeerUid({ ...ends, remoteAddress: '::1' }, procOnly)).toBeNull();
  });

  it('names no one for a socket no process holds (inode 0: closed, lingering), though /proc lists it as root’s', async () => {
    writeFileSync(join(dir, 'tcp'), HEADER + line(0, 6000, 40000, 0) + line(1, 40000, 6000, 0, '0100007F', 0));
    writeFileSync(join(dir, 'tcp6'), HEADER);
    expect(await loopbackPeerUid(ends, procOnly)).toBeNull();
  });

  it('takes the kernel’s answer; /proc decides only where the kernel cannot see our own end either (no inet_diag: ENOENT for every socket) or fails', async () => {
    writeFileSync(join(dir, 'tcp'), HEADER + line(0, 6000, 40000, 0) + line(1, 40000, 6000, 65534));
    writeFileSync(join(dir, 'tcp6'), HEADER);
    const asked: unknown[][] = [];
    const kernel = (...args: [string, number, string, number]) => (asked.push(args), 1000);
    expect(await loopbackPeerUid(ends, { kernel, procNet: dir })).toBe(1000);
    expect(asked).toEqual([['127.0.0.1', 40000, '127.0.0.1', 6000]]);
    // A kernel that sees our end (uid 0 here) and no client socket: refused, whatever /proc lists.
    const seesOnlyOurs = (_local: string, localPort: number) => (localPort === 6000 ? 0 : null);
    expect(await loopbackPeerUid(ends, { kernel: seesOnlyOurs, procNet: dir })).toBeNull();
    expect(await loopbackPeerUid(ends, { kernel: () => null, procNet: dir })).toBe(65534);
    const failing = () => {
      throw Object.assign(new Error('NETLINK_SOCK_DIAG lookup'), { errno: 13 });
    };
    expect(await loopbackPeerUid(ends, { kernel: failing, procNet: dir })).toBe(65534);
    // Neither knows the socket: refused.
    expect(await loopbackPeerUid({ ...ends, remotePort: 40009 }, { kernel: () => null, procNet: dir })).toBeNull();
  });

  it.runIf(process.platform === 'linux')('on this machine, names this process as the owner of its own connection', async () => {
    const server = http.createServer((req, res) => void loopbackPeerUid(req.socket).then((uid) => res.end(String(uid))));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const answer = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    server.close();
    expect(Number(answer)).toBe(process.getuid!());
  });

  it.runIf(process.platform === 'linux')(
    'on this machine, the kernel’s exact lookup agrees with /proc/net/tcp, and names no one once the client has closed its socket',
    async () => {
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
      const client = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
      const socket = await accepted;
      const ends = { localAddress: socket.localAddress, localPort: socket.localPort, remoteAddress: socket.remoteAddress, remotePort: socket.remotePort };
      expect(await loopbackPeerUid(ends)).toBe(process.getuid!());
      expect(await loopbackPeerUid(ends, { kernel: null })).toBe(process.getuid!());
      // Closed by its process, the client's socket lingers (FIN_WAIT) with no owner: /proc/net/tcp still
      // lists it (as root's, inode 0), and both lookups refuse it.
      const ended = new Promise((resolve) => socket.once('end', resolve));
      client.destroy();
      await ended;
      expect(await loopbackPeerUid(ends)).toBeNull();
      expect(await loopbackPeerUid(ends, { kernel: null })).toBeNull();
      socket.destroy();
      server.close();
    },
  );
});
