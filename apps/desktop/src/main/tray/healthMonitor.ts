import { BehaviorSubject, type Observable } from 'rxjs';
import { AgentStatusRequest, type AgentStatus } from '../../../../../shared/protocol/src/common/index.ts';
import type { AgentLink } from '../agent/agentLink.ts';

/** Keeper's client checks the agent's health every 30 s. */
export const HEALTH_INTERVAL_MS = 30_000;

export interface HealthCheck {
  readonly ok: boolean;
  readonly checkedAt: string | null;
  readonly problem: string | null;
  readonly status: AgentStatus | null;
}

/**
 * Asks the agent for `agent.status` on a fixed interval, so a hung agent (socket open, nothing
 * answering) shows as gone too, not only one whose socket closed.
 */
export class HealthMonitor {
  private readonly link: AgentLink;
  private readonly intervalMs: number;
  private readonly now: () => Date;
  private readonly state = new BehaviorSubject<HealthCheck>({ ok: false, checkedAt: null, problem: null, status: null });
  private timer: NodeJS.Timeout | null = null;

  constructor(link: AgentLink, intervalMs = HEALTH_INTERVAL_MS, now: () => Date = () => new Date()) {
    this.link = link;
    this.intervalMs = intervalMs;
    this.now = now;
  }

  get health$(): Observable<HealthCheck> {
    return this.state.asObservable();
  }

  start(): void {
    if (this.timer) return;
    void this.check();
    this.timer = setInterval(() => void this.check(), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.state.complete();
  }

  async check(): Promise<HealthCheck> {
    let next: HealthCheck;
    try {
      // Answering within the interval is the bar: a slower agent counts as not healthy.
      const status = await this.link.request(AgentStatusRequest, undefined, this.intervalMs);
      next = { ok: true, checkedAt: this.now().toISOString(), problem: null, status };
    } catch (error) {
      next = { ok: false, checkedAt: this.now().toISOString(), problem: (error as Error).message, status: null };
    }
    this.state.next(next);
    return next;
  }
}
