/**
 * Agent protocol round trip: `agent.status` over the real agent protocol against a raw echo of the
 * same size over the same kind of socket, so the difference is the protocol machinery alone.
 *
 *   node bench/protocolRoundTrip.bench.ts [--n=5000] [--warmup=500]
 *
 * One run, interleaved (the order rotating every round), after a warm-up of each:
 * - agent: the real keeper-agent started as a child (tests/support/agentProcess.ts), the typed
 *   AgentClient (zod on both sides, our frame reader and writer under vscode-jsonrpc's connection),
 *   `agent.status` with no params.
 * - raw echo: a child process echoing Content-Length frames over a Unix socket in the same folder;
 *   the client sends one frame whose body is as long as the agent.status response body and waits
 *   for it to come back. No JSON, no library: the floor for one framed round trip.
 * - jsonrpc echo (for comparison): the same child answers `agent.status` with the same status
 *   object through a stock vscode-jsonrpc connection (its own stream reader and writer), and the
 *   client calls it through one (no zod, no frame checks, no agent work).
 * Then, in this process, the CPU cost of what the agent round trip adds per call: zod parsing the
 * params and the status on both sides, and JSON for the response.
 *
 * Plain Node script (not a vitest file). Results are described in docs/benchmarks.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import net from 'node:net';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createMessageConnection, type MessageConnection } from 'vscode-jsonrpc/node';
import { AgentStatus, AgentStatusRequest, NoParams } from '../shared/protocol/src/common/index.ts';
import { AgentClient } from '../shared/protocol/src/node/agentClient.ts';
import { connectClient, makeSandbox, PROJECT_DIR, startAgent } from '../tests/support/agentProcess.ts';
import { percentileOfSorted } from './support/stats.ts';

const { values: args } = parseArgs({ options: { n: { type: 'string', default: '5000' }, warmup: { type: 'string', default: '500' } } });
const N = Number(args.n);
const WARMUP = Number(args.warmup);
const GOAL_RATIO_P99 = 2;

/* ---------------------------------------------------------------------------------------------- */
/* The echo child: raw frames on one socket, bare vscode-jsonrpc on another                        */
/* ---------------------------------------------------------------------------------------------- */

const ECHO_SERVER = `
import net from 'node:net';
import { createMessageConnection } from 'vscode-jsonrpc/node';
const status = JSON.parse(process.env.BENCH_STATUS);
const raw = net.createServer((socket) => {
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    for (;;) {
      const end = buffered.indexOf('\\r\\n\\r\\n');
      if (end < 0) return;
      const length = Number(/Content-Length: (\\d+)/.exec(buffered.toString('latin1', 0, end))[1]);
      const total = end + 4 + length;
      if (buffered.length < total) return;
      socket.write(buffered.subarray(0, total));
      buffered = buffered.subarray(total);
    }
  });
  socket.on('error', () => {});
});
const rpc = net.createServer((socket) => {
  const connection = createMessageConnection(socket, socket);
  connection.onRequest('agent.status', () => status);
  connection.onClose(() => connection.dispose());
  socket.on('error', () => {});
  connection.listen();
});
raw.listen(process.env.BENCH_RAW, () => rpc.listen(process.env.BENCH_RPC, () => process.stdout.write('ready\\n')));
process.on('SIGTERM', () => process.exit(0));
`;

function startEcho(rawPath: string, rpcPath: string, status: unknown): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', ECHO_SERVER], {
    cwd: PROJECT_DIR,
    env: { ...process.env, BENCH_RAW: rawPath, BENCH_RPC: rpcPath, BENCH_STATUS: JSON.stringify(status) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`echo server exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', () => resolve(child));
  });
}

/** A client for the raw echo: one Content-Length frame out, the same frame back. */
async function rawEchoClient(path: string, bodyBytes: number): Promise<{ roundTrip(): Promise<void>; close(): void }> {
  const socket = net.createConnection(path);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.setNoDelay(true);
  const body = Buffer.alloc(bodyBytes, 'x');
  const frame = Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
  let received = 0;
  let done: (() => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received >= frame.length && done) {
      received -= frame.length;
      const resolve = done;
      done = null;
      resolve();
    }
  });
  return {
    roundTrip: () =>
      new Promise<void>((resolve) => {
        done = resolve;
        socket.write(frame);
      }),
    close: () => socket.destroy(),
  };
}

async function rpcEchoClient(path: string): Promise<{ connection: MessageConnection; close(): void }> {
  const socket = net.createConnection(path);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const connection = createMessageConnection(socket, socket);
  connection.listen();
  return {
    connection,
    close: () => {
      connection.dispose();
      socket.destroy();
    },
  };
}

/* ---------------------------------------------------------------------------------------------- */
/* Statistics                                                                                       */
/* ---------------------------------------------------------------------------------------------- */

function summary(values: readonly number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: percentileOfSorted(sorted, 50),
    p90: percentileOfSorted(sorted, 90),
    p99: percentileOfSorted(sorted, 99),
    min: sorted[0]!,
    max: sorted.at(-1)!,
    mean: values.reduce((s, v) => s + v, 0) / values.length,
  };
}
const us = (ms: number) => (ms * 1000).toFixed(0);

/** Mean cost in µs of `fn`, run `times` times after a warm-up. */
function cost(fn: () => unknown, times = 20_000): number {
  for (let i = 0; i < 2_000; i++) fn();
  const t = performance.now();
  for (let i = 0; i < times; i++) fn();
  return ((performance.now() - t) * 1000) / times;
}

/* ---------------------------------------------------------------------------------------------- */
/* Run                                                                                               */
/* ---------------------------------------------------------------------------------------------- */

async function main() {
  const sandbox = makeSandbox();
  const loadBefore = loadavg();
  const agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir });
  let echo: ChildProcess | null = null;
  const closers: Array<() => void> = [];
  try {
    const client: AgentClient = await connectClient(sandbox.socket);
    closers.push(() => client.close());
    const status = await client.request(AgentStatusRequest, undefined);
    // What the agent writes for one answer (its id is a small integer, as here).
    const responseBody = Buffer.byteLength(JSON.stringify({ jsonrpc: '2.0', id: 12345, result: status }));

    echo = await startEcho(join(sandbox.dir, 'raw.sock'), join(sandbox.dir, 'rpc.sock'), status);
    const raw = await rawEchoClient(join(sandbox.dir, 'raw.sock'), responseBody);
    closers.push(() => raw.close());
    const rpc = await rpcEchoClient(join(sandbox.dir, 'rpc.sock'));
    closers.push(() => rpc.close());

    const variants = {
      agent: () => client.request(AgentStatusRequest, undefined),
      raw: () => raw.roundTrip(),
      jsonrpc: () => rpc.connection.sendRequest('agent.status'),
    } as const;
    const names = Object.keys(variants) as Array<keyof typeof variants>;
    const samples: Record<keyof typeof variants, number[]> = { agent: [], raw: [], jsonrpc: [] };
    for (let i = 0; i < WARMUP + N; i++) {
      // Interleaved, the order rotating every round, so drift and GC hit all variants alike.
      for (let k = 0; k < names.length; k++) {
        const name = names[(i + k) % names.length]!;
        const t = performance.now();
        await variants[name]();
        const elapsed = performance.now() - t;
        if (i >= WARMUP) samples[name].push(elapsed);
      }
    }

    // CPU the agent round trip spends on validation and JSON, measured here, per call.
    const message = JSON.stringify({ jsonrpc: '2.0', id: 12345, result: status });
    const zodStatus = cost(() => AgentStatus.parse(status));
    const zodParams = cost(() => NoParams.safeParse(undefined));
    const json = cost(() => JSON.parse(message)) + cost(() => JSON.stringify(JSON.parse(message) as unknown));

    const a = summary(samples.agent);
    const r = summary(samples.raw);
    const j = summary(samples.jsonrpc);
    const loadAfter = loadavg();
    console.log(`machine: nproc ${availableParallelism()} (${cpus()[0]?.model ?? 'unknown cpu'}), node ${process.version}`);
    console.log(`load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`N=${N} each after ${WARMUP} warm-up rounds, interleaved; agent.status response body ${responseBody} bytes (raw echo frame body the same)\n`);
    console.log('| round trip | p50 µs | p90 µs | p99 µs | mean µs | min µs | max µs |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    console.log(`| agent.status, real agent (AgentClient) | ${us(a.p50)} | ${us(a.p90)} | ${us(a.p99)} | ${us(a.mean)} | ${us(a.min)} | ${us(a.max)} |`);
    console.log(`| raw Content-Length echo, same size | ${us(r.p50)} | ${us(r.p90)} | ${us(r.p99)} | ${us(r.mean)} | ${us(r.min)} | ${us(r.max)} |`);
    console.log(`| bare vscode-jsonrpc echo of the same status | ${us(j.p50)} | ${us(j.p90)} | ${us(j.p99)} | ${us(j.mean)} | ${us(j.min)} | ${us(j.max)} |`);
    const ratio99 = a.p99 / r.p99;
    console.log(
      `\nratio agent/raw: p50 ${(a.p50 / r.p50).toFixed(2)}x, p99 ${ratio99.toFixed(2)}x (goal ≤ ${GOAL_RATIO_P99}x at p99: ${ratio99 <= GOAL_RATIO_P99 ? 'met' : 'NOT met'})`,
    );
    console.log(`ratio agent/bare vscode-jsonrpc: p50 ${(a.p50 / j.p50).toFixed(2)}x, p99 ${(a.p99 / j.p99).toFixed(2)}x`);
    console.log(
      `CPU per agent round trip (this process): zod AgentStatus.parse ${zodStatus.toFixed(1)} µs (done twice: agent and client), ` +
        `zod NoParams ${zodParams.toFixed(2)} µs (twice), JSON.parse + stringify of the response ${json.toFixed(1)} µs`,
    );
  } finally {
    for (const close of closers) close();
    echo?.kill('SIGTERM');
    await agent.stop();
    sandbox.cleanup();
  }
}

await main();
