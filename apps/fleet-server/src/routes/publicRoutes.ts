import type { TLSSocket } from 'node:tls';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import * as z from 'zod';
import { Health, RegisterRequest, RegisterResponse, RenewRequest, RenewResponse } from '../../../../shared/protocol/src/common/fleet.ts';
import { FleetError } from '../http/fleetError.ts';
import { expiredPeer, verifiedPeer } from '../http/peer.ts';
import type { AppDeps } from '../http/appDeps.ts';
import { authenticateMachine, registerMachine, renewCertificate } from '../services/machines.ts';

/** Routes a machine reaches before (or while renewing) its certificate. */
export function publicRoutes(deps: AppDeps): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.get('/v1/health', { schema: { response: { 200: Health } } }, async () => {
      await deps.db.query('SELECT 1');
      return { status: 'ok' as const, time: new Date().toISOString(), instance: deps.config.instance };
    });

    // The CA certificate itself is public; the agent checks it against the fingerprint in its token.
    app.get('/v1/ca', { schema: { response: { 200: z.object({ caCertificate: z.string() }) } } }, () => Promise.resolve({ caCertificate: deps.ca.certPem }));

    app.post('/v1/register', { bodyLimit: 16 * 1024, schema: { body: RegisterRequest, response: { 200: RegisterResponse } } }, async (req) => {
      return registerMachine(deps.db, deps.ca, req.body, deps.config.certLifetimeMs);
    });

    app.post('/v1/renew', { bodyLimit: 16 * 1024, schema: { body: RenewRequest, response: { 200: RenewResponse } } }, async (req) => {
      const socket = req.raw.socket as TLSSocket;
      const peer = verifiedPeer(socket) ?? expiredPeer(socket, deps.ca.cert, deps.config.renewGraceMs);
      if (!peer) throw new FleetError('certificate-required', "renewal needs this fleet's client certificate");
      req.machine = await authenticateMachine(deps.db, peer.machineId);
      return { certificate: await renewCertificate(deps.db, deps.ca, peer.machineId, req.body.csr, deps.config.certLifetimeMs) };
    });
    done();
  };
}
