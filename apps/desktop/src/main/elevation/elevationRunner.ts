import { BehaviorSubject, type Observable } from 'rxjs';
import {
  ElevationExited,
  ElevationOutput,
  ElevationRequest,
  ElevationRun,
  ElevationUpdated,
  type ElevationRequestParams,
  type ElevationStatusResult,
} from '../../../../../shared/protocol/src/common/index.ts';
import type { QuickElevateProgress } from '../../../../../shared/bridge/src/common/services/quickElevate.ts';
import type { AgentLink } from '../agent/agentLink.ts';
import { agentProblem, logToStderr, problem, rawText, type ProblemLog } from './elevationProblem.ts';

/** One request from asking to its end; the same shape quick-elevate shows. */
export type TrackedElevation = QuickElevateProgress;

/** How much of a program's output is kept for the summary. */
const OUTPUT_TAIL_CHARS = 2_000;
/** Status updates of requests this runner has not (yet) heard the id of; bounded. */
const UPDATE_BUFFER = 100;

interface Tracking {
  entry: BehaviorSubject<TrackedElevation>;
  runId: string | null;
  settle: (() => void) | null;
}

/**
 * Asks the agent for elevation from the desktop's own connection and runs what it allows: the
 * agent lets only the requesting connection run a request, so request, wait and run all happen
 * on the one link. Every step is published, so windows can follow and the tray can count.
 */
export class ElevationRunner {
  private readonly link: AgentLink;
  private readonly now: () => Date;
  private readonly log: ProblemLog;
  private readonly byRequest = new Map<string, Tracking>();
  private readonly byRunId = new Map<string, Tracking>();
  private readonly early = new Map<string, ElevationStatusResult>();
  private readonly earlyOutput: Array<{ runId: string; text: string }> = [];
  private readonly earlyExit = new Map<string, { code: number | null; signal: string | null }>();
  private readonly changes = new BehaviorSubject<TrackedElevation | null>(null);

  constructor(link: AgentLink, now: () => Date = () => new Date(), log: ProblemLog = logToStderr) {
    this.link = link;
    this.now = now;
    this.log = log;
    link.addFeature({
      attach: (client) => [
        client.onNotification(ElevationUpdated, (update) => this.updated(update)),
        client.onNotification(ElevationOutput, ({ runId, data }) => this.output(runId, Buffer.from(data, 'base64').toString('utf8'))),
        client.onNotification(ElevationExited, ({ runId, code, signal }) => this.exited(runId, code, signal)),
      ],
      detached: () => this.lostAgent(),
    });
  }

  /** Every change of every request this runner handles. */
  get changes$(): Observable<TrackedElevation | null> {
    return this.changes.asObservable();
  }

  /**
   * Asks for elevation; resolves with the entry as soon as the agent has the request, and `done`
   * once it is denied, ran to its end, or failed.
   */
  async start(
    params: ElevationRequestParams,
    commandLine: string,
  ): Promise<{ entry: Observable<TrackedElevation>; done: Promise<TrackedElevation>; requestId: string }> {
    const result = await this.link.request(ElevationRequest, params);
    const entry = new BehaviorSubject<TrackedElevation>({
      requestId: result.requestId,
      commandLine,
      phase: result.state === 'pending' ? 'pending' : result.state === 'denied' ? 'denied' : 'starting',
      decision: result.state,
      currentControl: null,
      passed: [],
      reason: result.decision.reason,
      reasonDetail: result.decision.reasonDetail ?? null,
      problem: null,
      pid: null,
      exitCode: null,
      signal: null,
      outputTail: '',
      updatedAt: this.now().toISOString(),
    });
    const tracking: Tracking = { entry, runId: null, settle: null };
    this.byRequest.set(result.requestId, tracking);
    this.publish(tracking, {});
    const done = new Promise<TrackedElevation>((resolve) => {
      tracking.settle = () => resolve(entry.value);
    });
    const early = this.early.get(result.requestId);
    this.early.delete(result.requestId);
    if (early) this.updated(early);
    else if (result.state !== 'pending') this.decided(tracking);
    return { entry: entry.asObservable(), done, requestId: result.requestId };
  }

  private updated(update: ElevationStatusResult): void {
    const tracking = this.byRequest.get(update.requestId);
    if (!tracking) {
      this.early.set(update.requestId, update);
      if (this.early.size > UPDATE_BUFFER) this.early.delete(this.early.keys().next().value!);
      return;
    }
    if (tracking.entry.value.phase !== 'pending') return;
    this.publish(tracking, {
      decision: update.state,
      currentControl: update.state === 'pending' ? update.currentControl : null,
      passed: update.passed,
      reason: update.reason,
      reasonDetail: update.reasonDetail ?? null,
      phase: update.state === 'pending' ? 'pending' : update.state === 'denied' ? 'denied' : 'starting',
    });
    if (update.state !== 'pending') this.decided(tracking);
  }

  private decided(tracking: Tracking): void {
    if (tracking.entry.value.phase === 'denied') return this.finish(tracking);
    void this.run(tracking);
  }

  private async run(tracking: Tracking): Promise<void> {
    try {
      const { runId, pid } = await this.link.request(ElevationRun, { requestId: tracking.entry.value.requestId });
      tracking.runId = runId;
      this.byRunId.set(runId, tracking);
      this.publish(tracking, { phase: 'running', pid });
      for (const chunk of this.earlyOutput.filter((c) => c.runId === runId)) this.output(runId, chunk.text);
      const exit = this.earlyExit.get(runId);
      this.earlyExit.delete(runId);
      if (exit) this.exited(runId, exit.code, exit.signal);
    } catch (error) {
      const shown = agentProblem(error);
      this.log(shown, `elevation.run ${tracking.entry.value.requestId}: ${rawText(error)}`);
      this.publish(tracking, { phase: 'failed', problem: shown });
      this.finish(tracking);
    }
  }

  private output(runId: string, text: string): void {
    const tracking = this.byRunId.get(runId);
    if (!tracking) {
      this.earlyOutput.push({ runId, text });
      if (this.earlyOutput.length > UPDATE_BUFFER) this.earlyOutput.shift();
      return;
    }
    this.publish(tracking, { outputTail: (tracking.entry.value.outputTail + text).slice(-OUTPUT_TAIL_CHARS) });
  }

  private exited(runId: string, code: number | null, signal: string | null): void {
    const tracking = this.byRunId.get(runId);
    if (!tracking) {
      this.earlyExit.set(runId, { code, signal });
      return;
    }
    this.publish(tracking, { phase: 'exited', exitCode: code, signal });
    this.finish(tracking);
  }

  private lostAgent(): void {
    for (const tracking of [...this.byRequest.values()]) {
      this.publish(tracking, { phase: 'failed', problem: problem('agent-gone') });
      this.finish(tracking);
    }
  }

  private finish(tracking: Tracking): void {
    this.byRequest.delete(tracking.entry.value.requestId);
    if (tracking.runId) {
      const runId = tracking.runId;
      this.byRunId.delete(runId);
      this.earlyOutput.splice(0, this.earlyOutput.length, ...this.earlyOutput.filter((c) => c.runId !== runId));
    }
    tracking.settle?.();
    tracking.entry.complete();
  }

  private publish(tracking: Tracking, change: Partial<TrackedElevation>): void {
    const next = { ...tracking.entry.value, ...change, updatedAt: this.now().toISOString() };
    tracking.entry.next(next);
    this.changes.next(next);
  }
}
