import { AgentError, JsonRpcErrorCodes } from '../common/errors.ts';
import type { NotificationDescriptor, ParamsInput, ParamsOf, RequestDescriptor, ResultOf } from '../common/method.ts';
import type { Disposable } from './notificationHandlers.ts';
import { CheckFailure, type Check } from '../common/plainChecks.ts';
import { DEFAULT_REQUEST_TIMEOUT_MS, OneShotConnection } from './oneShotConnection.ts';

/**
 * A request as a one-shot CLI checks it: the method's name and a check of only the part of the
 * result the CLI reads. `Params` is the protocol's own params type (compile time only: the agent
 * validates params with the protocol's schema and answers InvalidParams with the same text).
 */
export interface SubsetRequest<Params, Result> {
  readonly method: string;
  readonly result: Check<Result>;
  /** Never set; carries the params type. */
  readonly params?: Params;
}

export interface SubsetNotification<Params> {
  readonly method: string;
  readonly params: Check<Params>;
}

/** `never` (a compile error) for a subset check that would refuse part of what the protocol's schema produces. */
type Covers<Full, Subset> = Full extends Subset ? unknown : never;

/**
 * The subset check of a protocol request, derived from its descriptor: the compiler refuses a
 * `result` check whose output is not a supertype of the protocol result (a field the protocol does
 * not have, or with another type), so a subset can only ever be a weakening of the protocol's own
 * check. Called as `subsetRequest<typeof ElevationRequest>()(…)` with a type-only import: none of
 * the protocol's schemas is built.
 */
export function subsetRequest<D extends RequestDescriptor>() {
  return <Result>(method: D['method'], result: Check<Result> & Covers<ResultOf<D>, Result>): SubsetRequest<ParamsInput<D>, Result> => ({
    method,
    result,
  });
}

/** As subsetRequest, for a notification the agent sends. */
export function subsetNotification<D extends NotificationDescriptor>() {
  return <Params>(method: D['method'], params: Check<Params> & Covers<ParamsOf<D>, Params>): SubsetNotification<Params> => ({ method, params });
}

/**
 * The agent client of one-shot CLIs (keeper-elevate, keeper-runas): a OneShotConnection whose
 * answers and notifications are checked with plain subset checks (common/plainChecks.ts, no zod), because
 * a CLI pays for its start-up on every call. Results and notifications are checked against the subset
 * the CLI reads; a notification that fails its check is dropped.
 */
export class OneShotClient {
  private readonly connection: OneShotConnection;

  constructor(connection: OneShotConnection) {
    this.connection = connection;
  }

  /** Connects, and rejects with an AgentIdentityError when the listening end is neither root nor this user. */
  static async connect(path: string, timeoutMs = 5_000): Promise<OneShotClient> {
    return new OneShotClient(await OneShotConnection.connect(path, timeoutMs));
  }

  get isClosed(): boolean {
    return this.connection.isClosed;
  }

  request<Params, Result>(call: SubsetRequest<Params, Result>, params: Params, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): Promise<Result> {
    return this.checked(call, this.connection.send(call.method, params, timeoutMs));
  }

  /** The result of a request already sent through the connection (`answer`, from OneShotConnection.send), checked. */
  async checked<Params, Result>(call: SubsetRequest<Params, Result>, answer: Promise<unknown>): Promise<Result> {
    const value = await answer;
    try {
      return call.result(value, '');
    } catch (error) {
      if (!(error instanceof CheckFailure)) throw error;
      throw new AgentError(JsonRpcErrorCodes.InternalError, `the agent answered ${call.method} with an invalid result: ${error.message}`);
    }
  }

  onNotification<Params>(call: SubsetNotification<Params>, handler: (params: Params) => void): Disposable {
    return this.connection.onNotification(call.method, (raw) => {
      let params: Params;
      try {
        params = call.params(raw, '');
      } catch (error) {
        if (error instanceof CheckFailure) return;
        throw error;
      }
      handler(params);
    });
  }

  onClose(listener: (reason: string) => void): Disposable {
    return this.connection.onClose(listener);
  }

  close(): void {
    this.connection.close();
  }
}
