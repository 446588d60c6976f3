/**
 * Error codes of the agent protocol. JSON-RPC reserves -32768..-32000; our own block starts at
 * -33000 so a code alone says whether the transport or the agent refused a call.
 */
export const JsonRpcErrorCodes = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
} as const;

export const AgentErrorCodes = {
  /** The caller's OS identity may not do this (wrong user, missing approver role). */
  Unauthorized: -33001,
  NotFound: -33002,
  /** The prompt, request or code is past its lifetime. */
  Expired: -33003,
  RateLimited: -33004,
  /** `session.hello` announced a protocol version this agent does not speak. */
  ProtocolVersionMismatch: -33005,
  /** The object changed state already (decided twice, answered twice, replayed code). */
  Conflict: -33006,
  /** The backend is unreachable and the operation needs it. */
  Offline: -33007,
  /** A method other than `session.hello` was called before the handshake. */
  SessionRequired: -33008,
  TooManyRequests: -33009,
} as const;

export type AgentErrorCode = (typeof AgentErrorCodes)[keyof typeof AgentErrorCodes];

/** An error with a protocol code, raised by agent handlers and surfaced by the typed client. */
export class AgentError extends Error {
  readonly code: number;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = 'AgentError';
    this.code = code;
    this.data = data;
  }
}
