import type { TLSSocket } from 'node:tls';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import type { RawData } from 'ws';
import * as z from 'zod';
import {
  AuditIngestRequest,
  AuditIngestResponse,
  FileApprovalRequest,
  FleetApproval,
  type FleetSentTo,
  OfflineResponseRequest,
  OfflineResponseResult,
  PolicyBundle,
  RelayDecideRequest,
  RelayListRequest,
  RelayListResponse,
  StreamClientMessage,
} from '../../../../shared/protocol/src/common/fleet.ts';
import { FleetError } from '../http/fleetError.ts';
import { verifiedPeer } from '../http/peer.ts';
import type { AppDeps } from '../http/appDeps.ts';
import { approvalOfRequest, decide, fileApproval, listForActor } from '../services/approvals.ts';
import { approverNames } from '../services/approvers.ts';
import { ingestAudit } from '../services/audit.ts';
import type { ApprovalJson } from '../services/approvalShape.ts';
import type { AuthenticatedMachine } from '../services/machines.ts';
import { issueOfflineResponse } from '../services/offlineApprovals.ts';
import { currentPolicies } from '../services/policies.ts';
import { withdrawApproval } from '../services/withdraw.ts';

const HEARTBEAT_MS = 15_000;

/** Everything behind the machine's client certificate (checked, with revocation, on every request). */
export function agentRoutes(deps: AppDeps): FastifyPluginCallbackZod {
  const times = deps.config;
  // Approver bindings change by hand, rarely: a few seconds' staleness in a notice saves a query per filing.
  const names = new Map<string, { sentTo: FleetSentTo; until: number }>();
  const sentToOf = async (group: string): Promise<FleetSentTo> => {
    const hit = names.get(group);
    if (hit && hit.until > Date.now()) return hit.sentTo;
    const sentTo = await approverNames(deps.db, group);
    names.set(group, { sentTo, until: Date.now() + 5_000 });
    return sentTo;
  };
  return (app, _options, done) => {
    app.addHook('onRequest', async (req) => {
      const peer = verifiedPeer(req.raw.socket as TLSSocket);
      if (!peer) throw new FleetError('certificate-required', 'this call needs a valid client certificate issued by this fleet');
      req.machine = await deps.machines.authenticate(peer.machineId);
    });
    const machineOf = (machine: AuthenticatedMachine | null): AuthenticatedMachine => {
      if (!machine) throw new FleetError('certificate-required', 'this call needs a valid client certificate issued by this fleet');
      return machine;
    };

    app.get('/v1/policies', { schema: { response: { 200: PolicyBundle } } }, async (req) => currentPolicies(deps.db, machineOf(req.machine).group));

    // The requester's notice names the fleet's approvers, not the local agent's settings.
    app.post('/v1/approvals', { schema: { body: FileApprovalRequest } }, async (req, reply) => {
      const machine = machineOf(req.machine);
      await deps.limits.take('filing', machine.machineId);
      return sendApproval(reply, await fileApproval(deps.db, machine, req.body, times, await sentToOf(machine.group)));
    });

    app.get(
      '/v1/approvals/:requestId',
      { schema: { params: z.object({ requestId: z.string().min(1).max(100) }), response: { 200: FleetApproval } } },
      async (req) => approvalOfRequest(deps.db, machineOf(req.machine).machineId, req.params.requestId),
    );

    // Only the machine that filed a request can withdraw it: the lookup is by its own machine id.
    app.post(
      '/v1/approvals/:requestId/withdraw',
      { schema: { params: z.object({ requestId: z.string().min(1).max(100) }), response: { 200: FleetApproval } } },
      async (req) => withdrawApproval(deps.db, machineOf(req.machine).machineId, req.params.requestId),
    );

    app.post('/v1/approvals/list', { schema: { body: RelayListRequest, response: { 200: RelayListResponse } } }, async (req) =>
      listForActor(deps.db, machineOf(req.machine), req.body),
    );

    app.post('/v1/approvals/decide', { schema: { body: RelayDecideRequest } }, async (req, reply) =>
      sendApproval(reply, await decide(deps.db, machineOf(req.machine), req.body, times)),
    );

    app.post('/v1/approvals/offline', { schema: { body: OfflineResponseRequest, response: { 200: OfflineResponseResult } } }, async (req) => {
      const relay = machineOf(req.machine);
      return issueOfflineResponse(
        deps.db,
        { actor: req.body.actor, relay: { machineId: relay.machineId, group: relay.group } },
        req.body.machine,
        req.body.challenge,
      );
    });

    app.post('/v1/audit', { bodyLimit: 1024 * 1024, schema: { body: AuditIngestRequest, response: { 200: AuditIngestResponse } } }, async (req) => {
      const { machineId } = machineOf(req.machine);
      await deps.limits.take('audit', machineId);
      return ingestAudit(deps.db, machineId, req.body.events);
    });

    app.get('/v1/stream', { websocket: true }, (socket, req) => {
      const machine = machineOf(req.machine);
      const peer = verifiedPeer(req.raw.socket as TLSSocket);
      // A certificate is checked at the handshake only: close the stream when it expires.
      const expiry = setTimeout(() => socket.close(4001, 'certificate expired'), Math.max(0, (peer?.validTo.getTime() ?? 0) - Date.now()));
      let alive = true;
      socket.on('pong', () => (alive = true));
      const heartbeat = setInterval(() => {
        if (!alive) return socket.terminate();
        alive = false;
        socket.ping();
      }, HEARTBEAT_MS);
      socket.on('close', () => {
        clearTimeout(expiry);
        clearInterval(heartbeat);
      });
      socket.on('message', (data) => {
        const message = StreamClientMessage.safeParse(safeJson(textOf(data)));
        if (!message.success) return socket.close(4000, 'unexpected message');
        if (message.data.type === 'watch') return deps.hub.watchQueue(machine.machineId, socket, message.data.queue);
        deps.hub
          .ack(machine.machineId, message.data.ids)
          .catch((error: unknown) => req.log.warn({ err: error }, 'ack not stored; the events will be sent again'));
      });
      deps.hub.add(socket, machine.machineId, machine.group).catch((error: unknown) => req.log.warn({ err: error }, 'stream setup failed'));
    });
    done();
  };
}

/**
 * An approval the services serialized once (approvalShape.ts: PostgreSQL's JSON, checked against
 * toApproval by the tests) goes out as it is, not through a second pass of the response schema.
 */
function sendApproval(reply: FastifyReply, json: ApprovalJson): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(json);
}

function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(new Uint8Array(data)).toString('utf8');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
