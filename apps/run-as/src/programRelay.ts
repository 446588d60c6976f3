import type { OneShotClient } from '../../../shared/protocol/src/node/oneShotClient.ts';
import { ElevationExited, ElevationOutput, type Checked } from './elevationMethods.ts';
import { OutputWriter } from './outputWriter.ts';

type Chunk = Checked<typeof ElevationOutput>;

/**
 * The program's output and exit status, from the agent's notifications to this CLI. They can come before
 * the CLI knows the run's id (the agent started the program while answering elevation.request), so
 * they are held until `follow` names the run, then written to this process's stdout and stderr as they
 * come; another run's are ignored.
 */
export class ProgramRelay {
  /** The exit status as the CLI returns it: the program's code, or 128 + the number of the signal that ended it. */
  readonly exited: Promise<number>;
  private runId: string | null = null;
  private readonly early: Chunk[] = [];
  private readonly earlyExits = new Map<string, number>();
  private exit: (status: number) => void = () => {};

  constructor(client: OneShotClient) {
    this.exited = new Promise((resolve) => (this.exit = resolve));
    client.onNotification(ElevationOutput, (chunk) => {
      if (this.runId === null) this.early.push(chunk);
      else if (chunk.runId === this.runId) write(chunk);
    });
    client.onNotification(ElevationExited, ({ runId, code, signal }) => {
      const status = code ?? 128 + signalNumber(signal);
      if (this.runId === null) this.earlyExits.set(runId, status);
      else if (runId === this.runId) this.exit(status);
    });
  }

  /** From now on, relays `runId`'s output (first what came before) and its exit. */
  follow(runId: string): void {
    this.runId = runId;
    for (const chunk of this.early.splice(0)) if (chunk.runId === runId) write(chunk);
    const status = this.earlyExits.get(runId);
    if (status !== undefined) this.exit(status);
  }
}

const stdout = new OutputWriter(1);
const stderr = new OutputWriter(2);

function write({ stream, data }: Chunk): void {
  (stream === 'stdout' ? stdout : stderr).write(Buffer.from(data, 'base64'));
}

function signalNumber(signal: string | null): number {
  const numbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return signal ? (numbers[signal] ?? 0) : 0;
}
