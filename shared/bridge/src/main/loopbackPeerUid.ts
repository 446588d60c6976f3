import { readFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import type { tcpSocketOwner } from '@keeper/peercred';
import { peercredAddon } from '../../../protocol/src/node/peercredAddon.ts';

/** One end of a TCP connection as Node reports it. */
export interface TcpEnds {
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
}

/** `/proc/net/tcp` writes an IPv4 address as its bytes in host (little-endian) order, in hex. */
function procHex(address: string): string {
  return address
    .split('.')
    .reverse()
    .map((byte) => Number(byte).toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
}

const procPort = (port: number) => port.toString(16).padStart(4, '0').toUpperCase();
const plainIPv4 = (address: string | undefined) => (address?.startsWith('::ffff:') ? address.slice(7) : address);
/** How /proc/net/tcp6 writes an IPv4 address mapped into IPv6 (a dual-stack client socket). */
const MAPPED_PREFIX = '0000000000000000FFFF0000';

/** The uid column of the line whose local end is `local` and remote end `remote`, or null. */
function ownerIn(table: string, local: string, remote: string): number | null {
  const at = table.indexOf(` ${local} ${remote} `);
  if (at < 0) return null;
  const end = table.indexOf('\n', at);
  const line = table
    .slice(at, end < 0 ? undefined : end)
    .trim()
    .split(/\s+/);
  // local remote st tx:rx tr:when retrnsmt uid timeout inode …
  // Inode 0: no process holds the socket any more (closed, lingering in FIN_WAIT or TIME_WAIT), which
  // /proc lists as root's; it is nobody's, as the kernel's exact lookup says.
  if (line[8] === '0') return null;
  const uid = Number(line[6]);
  return Number.isInteger(uid) ? uid : null;
}

interface Reads {
  /** The read in flight. */
  current?: Promise<string>;
  /** The read queued behind it, for lookups that came after it began. */
  next?: Promise<string>;
}
const reads = new Map<string, Reads>();

function startRead(slot: Reads, file: string): Promise<string> {
  const read = readFile(file, 'latin1');
  slot.current = read;
  read
    .finally(() => {
      if (slot.current === read) slot.current = undefined;
    })
    .catch(() => {});
  return read;
}

/**
 * Reading a table walks the kernel's whole TCP hash (milliseconds), so lookups share reads: a lookup
 * joins the read in flight, and if its connection came too late to be in it, the one read queued
 * behind it, which every such lookup shares.
 */
function nextRead(file: string): Promise<string> {
  const slot = reads.get(file) ?? {};
  reads.set(file, slot);
  if (!slot.current) return startRead(slot, file);
  slot.next ??= slot.current
    .catch(() => '')
    .then(() => {
      slot.next = undefined;
      return startRead(slot, file);
    });
  return slot.next;
}

/**
 * The owner of `local` → `remote` in `file`, from a shared read that began after this call: a read
 * already in flight may predate the connection and show an earlier socket with the same addresses.
 */
async function ownerFromProc(file: string, local: string, remote: string): Promise<number | null> {
  return ownerIn(await nextRead(file), local, remote);
}

/**
 * The addon's exact lookup (NETLINK_SOCK_DIAG, tens of microseconds whatever the socket count), or null
 * where it is missing (not Linux, an addon built before it had this function): then only /proc/net/tcp.
 */
const socketOwner: typeof tcpSocketOwner | null = process.platform === 'linux' ? (peercredAddon()?.tcpSocketOwner ?? null) : null;

/** Where loopbackPeerUid looks: the kernel's exact lookup (null: none), and the folder of the tcp tables. */
export interface PeerLookup {
  readonly kernel?: typeof tcpSocketOwner | null;
  readonly procNet?: string;
}

/**
 * The uid that owns the *other* end of a loopback TCP connection our server accepted: the client's
 * socket, whose local end is our peer's address and whose remote end is ours. Linux only; null when
 * the connection is not IPv4 loopback or the client's socket is gone (closed), which callers treat as
 * a refusal. Asks the kernel for that one socket (sock_diag) where the addon can. Where the lookup
 * fails or the kernel cannot see our own end of the connection either (a kernel without the inet_diag
 * module answers every lookup with ENOENT, as for a closed socket), /proc/net/tcp (or tcp6, for a
 * dual-stack client) decides, from a shared read.
 */
export async function loopbackPeerUid(ends: TcpEnds, { kernel = socketOwner, procNet = '/proc/net' }: PeerLookup = {}): Promise<number | null> {
  const peer = plainIPv4(ends.remoteAddress);
  const self = plainIPv4(ends.localAddress);
  if (!peer || !self || !isIPv4(peer) || !isIPv4(self) || !ends.remotePort || !ends.localPort) return null;
  if (kernel) {
    const ask = (local: string, localPort: number, remote: string, remotePort: number): number | null => {
      try {
        return kernel(local, localPort, remote, remotePort);
      } catch {
        return null;
      }
    };
    const owner = ask(peer, ends.remotePort, self, ends.localPort);
    if (owner !== null) return owner;
    // A kernel that finds our own end of the connection answers for the client's too: no owner is final.
    if (ask(self, ends.localPort, peer, ends.remotePort) !== null) return null;
  }
  const peerPort = procPort(ends.remotePort);
  const selfPort = procPort(ends.localPort);
  const v4 = await ownerFromProc(`${procNet}/tcp`, `${procHex(peer)}:${peerPort}`, `${procHex(self)}:${selfPort}`);
  if (v4 !== null) return v4;
  return ownerFromProc(`${procNet}/tcp6`, `${MAPPED_PREFIX}${procHex(peer)}:${peerPort}`, `${MAPPED_PREFIX}${procHex(self)}:${selfPort}`).catch(() => null);
}
