import type { FleetApproval, FleetErrorCode } from '../../../../shared/protocol/src/common/fleet.ts';

const STATUS: Record<FleetErrorCode, number> = {
  'bad-request': 400,
  'body-too-large': 413,
  'token-invalid': 403,
  'token-expired': 403,
  'token-used': 403,
  'certificate-required': 401,
  'machine-revoked': 401,
  'csr-invalid': 400,
  'not-found': 404,
  'not-approver': 403,
  'own-request': 403,
  'approval-decided': 409,
  'approval-expired': 410,
  'request-conflict': 409,
  'database-unavailable': 503,
  'rate-limited': 429,
  internal: 500,
};

/** A refusal with a stable code (the agent maps it to its own error) and an HTTP status. */
export class FleetError extends Error {
  readonly code: FleetErrorCode;
  readonly status: number;
  readonly approval: FleetApproval | undefined;

  constructor(code: FleetErrorCode, message: string, approval?: FleetApproval) {
    super(message);
    this.name = 'FleetError';
    this.code = code;
    this.status = STATUS[code];
    this.approval = approval;
  }
}

/** A machine over its rate: 429 with Retry-After (the limiter audits the first refusal of a burst). */
export class RateLimitedError extends FleetError {
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterSeconds: number) {
    super('rate-limited', message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
