import { closeSync, existsSync, fsyncSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import dgram from 'node:dgram';
import net from 'node:net';
import { hostname } from 'node:os';
import type { AuditEvent } from '../../../../shared/protocol/src/common/index.ts';

/** A SIEM destination. `deliver` resolves only once the events are handed over for good. */
export interface AuditSink {
  readonly name: string;
  /** The highest seq this sink already holds, if it can tell (recovers after a crash). */
  recoverCursor(): number | null;
  deliver(events: readonly AuditEvent[]): Promise<void>;
  close(): void;
}

/** JSON lines, fsynced per batch; the last line tells which seq the file already holds. */
export function jsonLinesSink(path: string): AuditSink {
  return {
    name: `jsonl:${path}`,
    recoverCursor() {
      if (!existsSync(path)) return null;
      const size = statSync(path).size;
      const length = Math.min(size, 64 * 1024);
      const buffer = Buffer.alloc(length);
      const fd = openSync(path, 'r');
      try {
        readSync(fd, buffer, 0, length, size - length);
      } finally {
        closeSync(fd);
      }
      const lines = buffer.toString('utf8').trimEnd().split('\n');
      for (let i = lines.length - 1; i >= 0; i--) {
        try {
          const seq = (JSON.parse(lines[i]!) as { seq?: unknown }).seq;
          if (typeof seq === 'number') return seq;
        } catch {
          // A torn last line (crash mid-write) is skipped; the one before it counts.
        }
      }
      return null;
    },
    deliver(events) {
      const fd = openSync(path, 'a', 0o600);
      try {
        writeSync(fd, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      return Promise.resolve();
    },
    close() {},
  };
}

const FACILITY_LOG_AUDIT = 13;
const SEVERITY = { notice: 5, warning: 4 } as const;

/** RFC 5424: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`, with the event id for de-duplication. */
export function formatSyslog(event: AuditEvent, host = hostname()): string {
  const severity = /denied|refused|failed|locked|replayed|expired/.test(event.type) ? SEVERITY.warning : SEVERITY.notice;
  const escape = (value: string) => value.replace(/[\\\]"]/g, (ch) => `\\${ch}`);
  const sd = `[keeper@32473 id="${escape(event.id)}" seq="${event.seq}"${event.requestId ? ` requestId="${escape(event.requestId)}"` : ''}${event.actorUid === null ? '' : ` uid="${event.actorUid}"`}${event.hash ? ` hash="${event.hash}"` : ''}]`;
  const msgid = event.type.replace(/[^\x21-\x7e]/g, '_').slice(0, 32);
  return `<${FACILITY_LOG_AUDIT * 8 + severity}>1 ${event.at} ${host} keeper-agent ${process.pid} ${msgid} ${sd} ${JSON.stringify(event.data)}`;
}

/** Syslog over UDP (one datagram per event) or TCP (RFC 6587 octet counting). */
export function syslogSink(target: { host: string; port: number; protocol: 'udp' | 'tcp' }): AuditSink {
  let tcp: net.Socket | null = null;
  const udp = target.protocol === 'udp' ? dgram.createSocket(target.host.includes(':') ? 'udp6' : 'udp4') : null;
  udp?.unref();
  const connect = () =>
    new Promise<net.Socket>((resolve, reject) => {
      if (tcp && !tcp.destroyed) return resolve(tcp);
      const socket = net.createConnection({ host: target.host, port: target.port });
      socket.once('connect', () => {
        socket.removeListener('error', reject);
        socket.on('error', () => socket.destroy());
        tcp = socket;
        resolve(socket);
      });
      socket.once('error', reject);
    });
  return {
    name: `syslog+${target.protocol}://${target.host}:${target.port}`,
    recoverCursor: () => null,
    async deliver(events) {
      if (udp) {
        for (const event of events) {
          await new Promise<void>((resolve, reject) => udp.send(formatSyslog(event), target.port, target.host, (error) => (error ? reject(error) : resolve())));
        }
        return;
      }
      const socket = await connect();
      const frames = events.map((e) => {
        const message = formatSyslog(e);
        return `${Buffer.byteLength(message)} ${message}`;
      });
      await new Promise<void>((resolve, reject) => socket.write(frames.join(''), (error) => (error ? reject(error) : resolve())));
    },
    close() {
      udp?.close();
      tcp?.destroy();
    },
  };
}
