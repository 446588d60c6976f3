import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { MachineEvent, StreamMessage } from '../../../../shared/protocol/src/common/fleet.ts';
import type { Db } from '../db/pool.ts';
import { Batcher } from '../db/batcher.ts';
import { CHANNELS, parseMachineEventNotice } from './channels.ts';

interface Stream {
  readonly socket: WebSocket;
  readonly machineId: string;
  readonly group: string;
}

/**
 * This instance's open agent streams and the fan-out of NOTIFYs to them. Durable machine events are
 * read back from their table (the NOTIFY carries ids only) and sent until the agent acknowledges
 * them; after a listener reconnect every open stream gets its unacknowledged events again, because
 * notifications sent meanwhile are lost. The agent drops an id it has already handled.
 */
export class StreamHub {
  private readonly byMachine = new Map<string, Set<Stream>>();
  /** Streams of machines with an approver's window open: only these get queue hints. */
  private readonly queueWatchers = new Set<Stream>();

  private readonly db: Db;
  private readonly log: Logger;
  /** Events announced by NOTIFY, read back together: one query per batch, not per event. */
  private readonly deliveries: Batcher<string>;
  /**
   * Acknowledgements of all streams, stored together (one UPDATE per batch) over `ackDb`, whose
   * COMMIT does not wait for the WAL flush: an acknowledgement lost in a database crash only means
   * the event is sent again, and the agent drops an id it has handled. The event itself was
   * committed durably with its decision.
   */
  private readonly acks: Batcher<{ machineId: string; id: string }>;

  constructor(db: Db, ackDb: Db, log: Logger) {
    this.db = db;
    this.log = log;
    this.deliveries = new Batcher((ids) => this.deliver(ids));
    this.acks = new Batcher(async (items) => {
      await ackDb.query({
        name: 'fleet-ack-events',
        text: `UPDATE machine_events e SET acked_at = now() FROM unnest($1::uuid[], $2::bigint[]) AS a(machine_id, id)
               WHERE e.id = a.id AND e.machine_id = a.machine_id AND e.acked_at IS NULL`,
        values: [items.map((i) => i.machineId), items.map((i) => i.id)],
      });
    });
  }

  get size(): number {
    let n = 0;
    for (const set of this.byMachine.values()) n += set.size;
    return n;
  }

  async add(socket: WebSocket, machineId: string, group: string): Promise<void> {
    const stream: Stream = { socket, machineId, group };
    let set = this.byMachine.get(machineId);
    if (!set) this.byMachine.set(machineId, (set = new Set()));
    set.add(stream);
    socket.on('close', () => {
      set.delete(stream);
      this.queueWatchers.delete(stream);
      if (set.size === 0 && this.byMachine.get(machineId) === set) this.byMachine.delete(machineId);
    });
    send(socket, { type: 'hello', machineId });
    await this.replay(machineId, [stream]);
  }

  watchQueue(machineId: string, socket: WebSocket, on: boolean): void {
    for (const stream of this.byMachine.get(machineId) ?? []) {
      if (stream.socket !== socket) continue;
      if (on) this.queueWatchers.add(stream);
      else this.queueWatchers.delete(stream);
    }
  }

  /** Only the machine's own events: the UPDATE matches machine and id together. */
  async ack(machineId: string, ids: readonly string[]): Promise<void> {
    await Promise.all(ids.map((id) => this.acks.add({ machineId, id })));
  }

  onNotify(channel: string, payload: string): void {
    switch (channel) {
      case CHANNELS.machineEvent: {
        const notice = parseMachineEventNotice(payload);
        if (!notice) return;
        this.queueChanged(notice.approvalId);
        // Every instance hears every event; only the one holding the machine's stream sends it.
        const streams = this.byMachine.get(notice.machineId);
        if (!streams) return;
        if (notice.json === null) {
          this.deliveries.add(notice.eventId).catch(() => undefined);
          return;
        }
        // The approval was serialized by the server itself: spliced in as is, not parsed again.
        const message = `{"type":"event","id":"${notice.eventId}","kind":"approval.updated","approval":${notice.json}}`;
        for (const stream of streams) if (stream.socket.readyState === stream.socket.OPEN) stream.socket.send(message);
        return;
      }
      case CHANNELS.queue:
        this.queueChanged(payload);
        return;
      case CHANNELS.policy: {
        const at = payload.lastIndexOf(':');
        const group = payload.slice(0, at);
        const version = Number(payload.slice(at + 1));
        this.broadcast({ type: 'policy.changed', group, version }, group);
        return;
      }
      case CHANNELS.revoked:
        for (const stream of this.byMachine.get(payload) ?? []) stream.socket.close(4003, 'machine revoked');
        return;
    }
  }

  private queueChanged(approvalId: string): void {
    for (const stream of this.queueWatchers) send(stream.socket, { type: 'approvals.changed', approvalId });
  }

  /** After the LISTEN connection came back: resend what every open stream may have missed. */
  onReconnect(): void {
    for (const [machineId, streams] of this.byMachine) void this.replay(machineId, [...streams]);
  }

  closeAll(code: number, reason: string): void {
    for (const set of this.byMachine.values()) for (const stream of set) stream.socket.close(code, reason);
  }

  private broadcast(message: StreamMessage, group: string): void {
    for (const stream of this.streamsOf(group)) send(stream.socket, message);
  }

  private *streamsOf(group: string): Generator<Stream> {
    for (const set of this.byMachine.values()) for (const stream of set) if (stream.group === group) yield stream;
  }

  private async deliver(ids: string[]): Promise<void> {
    try {
      const { rows } = await this.db.query<{ id: string; machine_id: string; payload: MachineEvent['approval'] }>({
        name: 'fleet-read-events',
        text: 'SELECT id, machine_id, payload FROM machine_events WHERE id = ANY($1::bigint[]) AND acked_at IS NULL ORDER BY id',
        values: [ids],
      });
      for (const row of rows)
        for (const stream of this.byMachine.get(row.machine_id) ?? [])
          send(stream.socket, { type: 'event', id: row.id, kind: 'approval.updated', approval: row.payload });
    } catch (error) {
      // The events stay unacknowledged in their table; the next connect or listener reconnect resends them.
      this.log.warn({ err: error, events: ids.length }, 'could not deliver machine events now');
    }
  }

  private async replay(machineId: string, streams: Stream[]): Promise<void> {
    try {
      const { rows } = await this.db.query<{ id: string; payload: MachineEvent['approval'] }>(
        'SELECT id, payload FROM machine_events WHERE machine_id = $1 AND acked_at IS NULL ORDER BY id LIMIT 1000',
        [machineId],
      );
      for (const row of rows) for (const stream of streams) send(stream.socket, { type: 'event', id: row.id, kind: 'approval.updated', approval: row.payload });
    } catch (error) {
      this.log.warn({ err: error, machineId }, 'could not replay machine events now');
    }
  }
}

function send(socket: WebSocket, message: StreamMessage): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
}
