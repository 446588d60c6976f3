import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { MachineEvent, StreamMessage } from '../../../../shared/protocol/src/common/fleet.ts';
import type { Db } from '../db/pool.ts';
import { CHANNELS } from './channels.ts';

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

  constructor(db: Db, log: Logger) {
    this.db = db;
    this.log = log;
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

  async ack(machineId: string, ids: readonly string[]): Promise<void> {
    await this.db.query('UPDATE machine_events SET acked_at = now() WHERE machine_id = $1 AND id = ANY($2::bigint[]) AND acked_at IS NULL', [machineId, ids]);
  }

  onNotify(channel: string, payload: string): void {
    switch (channel) {
      case CHANNELS.machineEvent: {
        const [machineId, id] = payload.split(':');
        const streams = machineId ? this.byMachine.get(machineId) : undefined;
        if (streams && id) void this.deliverOne(machineId!, id, [...streams]);
        return;
      }
      case CHANNELS.queue:
        for (const stream of this.queueWatchers) send(stream.socket, { type: 'approvals.changed', approvalId: payload });
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

  private async deliverOne(machineId: string, id: string, streams: Stream[]): Promise<void> {
    try {
      const { rows } = await this.db.query<{ id: string; payload: MachineEvent['approval'] }>(
        'SELECT id, payload FROM machine_events WHERE id = $1 AND machine_id = $2 AND acked_at IS NULL',
        [id, machineId],
      );
      for (const row of rows) for (const stream of streams) send(stream.socket, { type: 'event', id: row.id, kind: 'approval.updated', approval: row.payload });
    } catch (error) {
      // The event stays unacknowledged in its table; the next connect or listener reconnect resends it.
      this.log.warn({ err: error, machineId }, 'could not deliver a machine event now');
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
