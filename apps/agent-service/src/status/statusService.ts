import { EventEmitter } from 'node:events';
import type { Clock } from '../time/clock.ts';
import type {
  AgentStatus,
  FleetLink,
  LogLevel,
  PluginState,
  PluginStatus,
  PolicySummary,
  PromptSettingsInForce,
} from '../../../../shared/protocol/src/common/index.ts';

interface StatusFacts {
  readonly version: string;
  readonly agentId: string;
  readonly startedAt: Date;
  readonly backend: AgentStatus['backend'];
  logLevel: LogLevel;
  online: boolean;
  healthUrl: string | null;
}

/**
 * Owns the agent's health picture: plugin states, online/offline, log level. Every change is
 * published once through `changed`, which the IPC layer forwards as `agent.statusChanged`.
 */
export class StatusService {
  private readonly plugins = new Map<string, PluginStatus>();
  private readonly events = new EventEmitter<{ changed: [AgentStatus] }>();
  private policies: PolicySummary = { active: 0, collections: 0, files: 0, errors: [], loadedAt: null };
  private fleet: FleetLink | null = null;
  private jobs: AgentStatus['jobs'] = undefined;
  private prompts: PromptSettingsInForce | null = null;

  private readonly facts: StatusFacts;
  private readonly clock: Clock;

  constructor({ facts, clock }: { facts: StatusFacts; clock: Clock }) {
    this.facts = facts;
    this.clock = clock;
  }

  setPlugin(name: string, state: PluginState, detail?: string): void {
    const previous = this.plugins.get(name);
    if (previous && previous.state === state && previous.detail === detail) return;
    this.plugins.set(name, detail === undefined ? { name, state } : { name, state, detail });
    this.publish();
  }

  setPolicies(summary: PolicySummary): void {
    this.policies = summary;
    this.publish();
  }

  setJobs(jobs: NonNullable<AgentStatus['jobs']>): void {
    this.jobs = jobs;
    this.publish();
  }

  /** Set once at start: the prompt settings come from the config file, which is read only then. */
  setPrompts(prompts: PromptSettingsInForce): void {
    this.prompts = prompts;
    this.publish();
  }

  setFleet(fleet: FleetLink): void {
    this.fleet = fleet;
    this.publish();
  }

  setOnline(online: boolean): void {
    if (this.facts.online === online) return;
    this.facts.online = online;
    this.publish();
  }

  setHealthUrl(url: string | null): void {
    this.facts.healthUrl = url;
  }

  setLogLevel(level: LogLevel): void {
    if (this.facts.logLevel === level) return;
    this.facts.logLevel = level;
    this.publish();
  }

  get online(): boolean {
    return this.facts.online;
  }

  snapshot(): AgentStatus {
    const now = this.clock.now();
    return {
      version: this.facts.version,
      agentId: this.facts.agentId,
      startedAt: this.facts.startedAt.toISOString(),
      uptimeSeconds: Math.max(0, Math.floor((now.getTime() - this.facts.startedAt.getTime()) / 1000)),
      online: this.facts.online,
      backend: this.facts.backend,
      logLevel: this.facts.logLevel,
      healthUrl: this.facts.healthUrl,
      plugins: [...this.plugins.values()],
      policies: this.policies,
      ...(this.jobs ? { jobs: this.jobs } : {}),
      ...(this.fleet ? { fleet: this.fleet } : {}),
      ...(this.prompts ? { prompts: this.prompts } : {}),
    };
  }

  onChanged(listener: (status: AgentStatus) => void): () => void {
    this.events.on('changed', listener);
    return () => this.events.off('changed', listener);
  }

  private publish(): void {
    this.events.emit('changed', this.snapshot());
  }
}
