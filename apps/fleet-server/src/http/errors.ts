import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import type { FleetErrorBody } from '../../../../shared/protocol/src/common/fleet.ts';
import { isUnavailable, type Db } from '../db/pool.ts';
import { auditServer } from '../services/audit.ts';
import { FleetError, RateLimitedError } from './fleetError.ts';

/** Every refusal gets a stable code and is audited (best effort: the database may be the problem). */
export function errorHandler(db: Db) {
  return async (raw: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    let body: FleetErrorBody;
    let status: number;
    if (raw instanceof FleetError) {
      status = raw.status;
      body = { error: raw.code, message: raw.message, ...(raw.approval ? { approval: raw.approval } : {}) };
    } else if (hasZodFastifySchemaValidationErrors(raw)) {
      status = 400;
      body = {
        error: 'bad-request',
        message: raw.validation
          .map((v) => `${v.instancePath || '/'}: ${v.message ?? 'invalid'}`)
          .join('; ')
          .slice(0, 2000),
      };
    } else if (raw.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      status = 413;
      body = { error: 'body-too-large', message: 'the request body is larger than this server accepts' };
    } else if (isUnavailable(raw)) {
      status = 503;
      body = { error: 'database-unavailable', message: 'the fleet database is unavailable; retry shortly' };
    } else if (!isResponseSerializationError(raw) && raw.statusCode && raw.statusCode < 500) {
      status = raw.statusCode;
      body = { error: 'bad-request', message: raw.message };
    } else {
      req.log.error({ err: raw }, 'request failed');
      status = 500;
      body = { error: 'internal', message: 'internal error' };
    }
    if (status !== 503 && status !== 500 && !(raw instanceof FleetError && (raw.code.startsWith('approval-') || raw.code === 'rate-limited'))) {
      await auditServer(
        db,
        'request.refused',
        { route: req.routeOptions.url ?? req.url, method: req.method, error: body.error, message: body.message },
        { machineId: req.machine?.machineId ?? null },
      ).catch(() => undefined);
    }
    if (status === 503) reply.header('retry-after', '1');
    if (raw instanceof RateLimitedError) reply.header('retry-after', String(raw.retryAfterSeconds));
    return reply.code(status).send(body);
  };
}
