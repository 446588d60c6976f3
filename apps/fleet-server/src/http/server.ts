import { constants } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import websocket from '@fastify/websocket';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AuthenticatedMachine } from '../services/machines.ts';
import type { AppDeps } from './appDeps.ts';
import { errorHandler } from './errors.ts';
import { agentRoutes } from '../routes/agentRoutes.ts';
import { publicRoutes } from '../routes/publicRoutes.ts';

declare module 'fastify' {
  interface FastifyRequest {
    machine: AuthenticatedMachine | null;
  }
}

export type FleetApp = Awaited<ReturnType<typeof buildApp>>;

/**
 * One HTTPS port: registration and health without a client certificate, everything else behind
 * mutual TLS. TLS does not reject unknown certificates itself (registration has none yet), so the
 * agent routes check `authorized` per request; session tickets are off so a resumed session cannot
 * outlive its certificate.
 */
export async function buildApp(deps: AppDeps, tls: { certPem: string; keyPem: string }) {
  const app = Fastify({
    loggerInstance: deps.log,
    bodyLimit: deps.config.bodyLimit,
    https: {
      key: tls.keyPem,
      cert: tls.certPem,
      ca: deps.ca.certPem,
      requestCert: true,
      rejectUnauthorized: false,
      secureOptions: constants.SSL_OP_NO_TICKET,
    },
  }).withTypeProvider<ZodTypeProvider>();
  // A connection keeps the certificate it was opened with (http/peer.ts reads it once per connection).
  app.server.on('secureConnection', (socket: TLSSocket) => socket.disableRenegotiation());
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler(deps.db));
  app.decorateRequest('machine', null);
  await app.register(websocket, {
    options: { maxPayload: 64 * 1024 },
    preClose: async () => {
      deps.hub.closeAll(1001, 'server shutting down');
      await new Promise<void>((ok) => app.websocketServer.close(() => ok()));
    },
  });
  await app.register(publicRoutes(deps));
  await app.register(agentRoutes(deps));
  return app;
}
