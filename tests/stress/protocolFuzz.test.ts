/**
 * Protocol fuzz against the real agent process: at least 100,000 malformed, truncated, oversized,
 * random and valid-but-wrong frames over 50 concurrent connections per wave, while a well-behaved
 * client polls `agent.status` every 200 ms.
 *
 * Every frame comes from a seeded PRNG (printed; replay with FUZZ_SEED=<n>, soak longer with
 * FUZZ_FRAMES=<n>). For each frame the test knows what the agent must answer: it parses the body
 * the way vscode-jsonrpc does and runs the method's own zod schema, so a request gets exactly one
 * answer with its id and the right code
 * (-32601, -32602, -33005, -33006, -33008 or a result), a body that is not JSON gets one ParseError
 * with id null, anything else gets nothing, and a framing violation gets one -32600 with id null
 * followed by the agent closing the connection.
 *
 * The traffic: random bytes; valid headers around garbage; bodies that are not JSON; JSON that is
 * not JSON-RPC (deeply nested, odd ids, stray responses, vscode-jsonrpc's own $/ notifications);
 * unknown methods; every declared request with params of the wrong shape; the handshake right,
 * wrong and twice; oversized Content-Length; headers without one, too long, or ambiguous in ways
 * that could smuggle a length past the guard; frames cut off before the connection closes; all of
 * it pipelined in one write or cut into pieces anywhere, down to single bytes. Twice during the run
 * a client floods agent.status requests and never reads: the agent must stop reading from it.
 *
 * Memory (VmRSS from /proc, sampled every 250 ms):
 * - The peak stays below 400 MB. Budget: ~130 MB idle; V8's young generation grows to its 128 MB
 *   ceiling at this allocation rate; old space runs up to about twice its ~30 MB live data between
 *   major GCs; up to 50 frames of 1 MiB in flight (bytes and decoded strings). Measured: 290-325 MB.
 *   A 300 MB cap would test V8's sizing, not what the agent keeps: a heap snapshot taken at the end
 *   of a run holds 29 MB.
 * - No leak: the median of the last quarter of the run is at most 64 MB above the median of the
 *   second quarter. Every wave does the same work, so a leak proportional to work shows up as growth
 *   between the two; the first quarter is left out because the heap grows to its working size
 *   there, and medians are compared because one sample before or after a GC moves RSS by tens of MB.
 *   Measured growth is 15-45 MB over 100,000 frames while old space settles, and 3 MB between the
 *   same quarters of a 300,000-frame run (FUZZ_FRAMES=300000), so 64 MB flags a leak of about 1.3 kB
 *   per frame or 80 kB per connection. A leaked socket is caught exactly: the agent's open file
 *   descriptors must come back to their count before the fuzz.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as protocol from '../../shared/protocol/src/common/index.ts';
import {
  AgentErrorCodes,
  AgentStatusRequest,
  JsonRpcErrorCodes,
  PROTOCOL_VERSION,
  type HelloParams,
  type RequestDescriptor,
} from '../../shared/protocol/src/common/index.ts';
import { connectClient, makeSandbox, startAgent, type AgentProcess } from '../support/agentProcess.ts';

const SEED = process.env['FUZZ_SEED'] ? Number(process.env['FUZZ_SEED']) : Math.floor(Math.random() * 2 ** 31);
const TARGET_FRAMES = Number(process.env['FUZZ_FRAMES'] ?? 100_000);
const CONNECTIONS_PER_WAVE = 50;
const MAX_BODY = 1 << 20;
const MAX_HEADER = 1024;
const POLL_EVERY_MS = 200;
const POLL_DEADLINE_MS = 1_000;
const RSS_CAP_MB = 400;
const RSS_GROWTH_MB = 64;
const REPLY_TIMEOUT_MS = 20_000;
const FLOOD_BYTES = 32 * MAX_BODY;
/** What the agent may read from a client that never reads: socket buffers and a chunk or two, not the flood. */
const FLOOD_ACCEPTED_MAX = 4 * MAX_BODY;

/* ---------------------------------------------------------------------------------------------- */
/* Seeded randomness                                                                                */
/* ---------------------------------------------------------------------------------------------- */

/** mulberry32, with one stream per connection so a failing connection replays on its own. */
class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)]!;
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }

  /** ASCII, control characters, multi-byte and astral characters, lone surrogates. */
  string(maxLength: number): string {
    const n = this.int(0, maxLength);
    let s = '';
    for (let i = 0; i < n; i++) {
      const kind = this.int(0, 9);
      if (kind < 6) s += String.fromCharCode(this.int(0x20, 0x7e));
      else if (kind === 6) s += String.fromCharCode(this.int(0, 0x1f));
      else if (kind === 7) s += String.fromCharCode(this.int(0xa0, 0x2fff));
      else if (kind === 8) s += String.fromCodePoint(this.int(0x1f300, 0x1f6ff));
      else s += String.fromCharCode(this.int(0xd800, 0xdfff));
    }
    return s;
  }
}

function subSeed(...parts: number[]): number {
  let h = 2166136261;
  for (const part of parts) {
    h ^= part >>> 0;
    h = Math.imul(h, 16777619) >>> 0;
    h ^= h >>> 13;
  }
  return h >>> 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* What the agent must answer                                                                      */
/* ---------------------------------------------------------------------------------------------- */

const isRequestDescriptor = (value: unknown): value is RequestDescriptor =>
  typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'request';
/** Every request declared in shared/protocol, so a method added later is fuzzed too. */
const REQUESTS = new Map<string, RequestDescriptor>(
  (Object.values(protocol) as unknown[]).filter(isRequestDescriptor).map((descriptor) => [descriptor.method, descriptor]),
);
const CORE_METHODS = ['session.hello', 'agent.status', 'elevation.request'] as const;
const OTHER_METHODS = [...REQUESTS.keys()].filter((m) => !(CORE_METHODS as readonly string[]).includes(m));

/** One expected answer to a request: its id (as JSON) and the acceptable error codes, or a result. */
interface Expectation {
  readonly key: string;
  readonly codes: readonly number[] | 'result';
  readonly supported?: boolean;
}

interface ModelState {
  session: boolean;
}

/** A unit of traffic and what it must cause. */
interface Unit {
  readonly bytes: Buffer;
  readonly expects: Expectation[];
  readonly parseErrors: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The params as the agent's rpcServer hands them to zod (see shared/protocol/src/node/rpcServer.ts). */
function paramsSeenByHandler(message: Record<string, unknown>): unknown {
  if (!('params' in message)) return undefined;
  const params = message['params'];
  if (!Array.isArray(params)) return params;
  if (params.length === 0) return undefined;
  return params.length === 1 ? params[0] : params;
}

/** vscode-jsonrpc: a request has a string method and a string or number id; nothing else is answered. */
function isRequestMessage(m: unknown): m is Record<string, unknown> & { method: string; id: string | number } {
  return isRecord(m) && typeof m['method'] === 'string' && (typeof m['id'] === 'string' || typeof m['id'] === 'number');
}

function expectationFor(message: Record<string, unknown> & { method: string; id: string | number }, state: ModelState): Expectation {
  const key = JSON.stringify(message.id);
  const descriptor = REQUESTS.get(message.method);
  if (!descriptor) return { key, codes: [JsonRpcErrorCodes.MethodNotFound] };
  const parsed = descriptor.params.safeParse(paramsSeenByHandler(message));
  if (!parsed.success) return { key, codes: [JsonRpcErrorCodes.InvalidParams] };
  if (message.method === 'session.hello') {
    if ((parsed.data as HelloParams).protocolVersion !== PROTOCOL_VERSION) {
      return { key, codes: [AgentErrorCodes.ProtocolVersionMismatch], supported: true };
    }
    if (state.session) return { key, codes: [AgentErrorCodes.Conflict] };
    state.session = true;
    return { key, codes: 'result' };
  }
  if (!state.session) return { key, codes: [AgentErrorCodes.SessionRequired] };
  if (message.method === 'agent.status') return { key, codes: 'result' };
  // Valid elevation requests only name files that do not exist (NotFound; Unauthorized without the addon).
  if (message.method === 'elevation.request') return { key, codes: [AgentErrorCodes.NotFound, AgentErrorCodes.Unauthorized] };
  throw new Error(`the fuzz sent valid params to ${message.method}, which it must not (side effects)`);
}

const frameOf = (body: Buffer | string): Buffer => {
  const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return Buffer.concat([Buffer.from(`Content-Length: ${b.length}\r\n\r\n`, 'ascii'), b]);
};

/* ---------------------------------------------------------------------------------------------- */
/* Generators                                                                                       */
/* ---------------------------------------------------------------------------------------------- */

/** Builds objects with defineProperty so keys like "__proto__" end up in the JSON text. */
function objectOf(entries: Array<[string, unknown]>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, value] of entries) Object.defineProperty(o, k, { value, enumerable: true, writable: true, configurable: true });
  return o;
}

const WEIRD_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'jsonrpc', 'params', 'result', 'error', '', '\u0000', 'ключ', '😀'];
const WEIRD_NUMBERS = [0, -1, 1.5, -0.0001, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), 1e308, 5e-324, Number.MAX_SAFE_INTEGER];

function randomJson(r: Rng, depth: number): unknown {
  // Deep nesting (the last kind) is rare: it is the expensive one to build.
  const kind = depth <= 0 ? r.int(0, 5) : r.chance(0.03) ? 9 : r.int(0, 8);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.int(-1000, 1000);
    case 3:
      return r.pick(WEIRD_NUMBERS);
    case 4:
      return r.string(20);
    case 5:
      return r.chance(0.9) ? r.string(3) : r.string(2000);
    case 6:
    case 7:
      return Array.from({ length: r.int(0, 6) }, () => randomJson(r, depth - 1));
    case 8:
      return objectOf(Array.from({ length: r.int(0, 6) }, () => [r.chance(0.3) ? r.pick(WEIRD_KEYS) : r.string(8), randomJson(r, depth - 1)]));
    default: {
      // Deep nesting: JSON.parse and zod must cope without a stack overflow.
      let v: unknown = r.int(0, 9);
      const levels = r.int(10, 3000);
      for (let i = 0; i < levels; i++) v = r.chance(0.5) ? [v] : { a: v };
      return v;
    }
  }
}

/** Params of the right shape with one or more fields broken, or of the wrong type altogether. */
function mutateParams(r: Rng, valid: Record<string, unknown>): unknown {
  switch (r.int(0, 7)) {
    case 0:
      return randomJson(r, 2);
    case 1:
      return [valid, randomJson(r, 1)];
    case 2:
      return r.chance(0.5) ? null : [];
    case 3:
      return { ...valid, [r.string(6) || 'extra']: randomJson(r, 1) };
    default: {
      const copy: Record<string, unknown> = JSON.parse(JSON.stringify(valid)) as Record<string, unknown>;
      const keys = Object.keys(copy);
      for (let n = r.int(1, 2); n > 0; n--) {
        const k = r.pick(keys);
        const inner = copy[k];
        if (isRecord(inner) && r.chance(0.6)) {
          const ik = r.pick(Object.keys(inner));
          if (r.chance(0.2)) delete inner[ik];
          else inner[ik] = randomJson(r, 1);
        } else if (r.chance(0.2)) {
          delete copy[k];
        } else {
          copy[k] = randomJson(r, 1);
        }
      }
      return copy;
    }
  }
}

const hello = (r: Rng): HelloParams => ({
  protocolVersion: PROTOCOL_VERSION,
  client: { kind: r.pick(['cli', 'monitor', 'run-as'] as const), name: r.string(20) || 'fuzz', version: '1' },
});
const elevationParams = (r: Rng) => ({
  executable: r.chance(0.9) ? `/nonexistent-keeper-fuzz/${r.int(0, 1e9)}` : `C:\\nonexistent\\${r.int(0, 1e6)}.exe`,
  arguments: Array.from({ length: r.int(0, 4) }, () => r.string(10)),
  cwd: '/',
});

/** Per-connection unique ids in several spellings, so vscode-jsonrpc's "req-<id>" keys never collide. */
function idMaker(r: Rng): () => string | number {
  let n = 0;
  return () => {
    n++;
    switch (r.int(0, 4)) {
      case 0:
        return `c${n}`;
      case 1:
        return -n;
      case 2:
        return n + 0.5;
      case 3:
        return `${r.string(6)}#${n}`;
      default:
        return n;
    }
  };
}

/** A frame around a body the test decodes exactly as the agent will, to know what it must answer. */
function bodyUnit(body: Buffer, state: ModelState, nextId: () => string | number): Unit {
  let message: unknown;
  try {
    message = JSON.parse(body.toString('utf8'));
  } catch {
    return { bytes: frameOf(body), expects: [], parseErrors: 1 };
  }
  if (!isRequestMessage(message)) return { bytes: frameOf(body), expects: [], parseErrors: 0 };
  // A request made by chance: give it a fresh id so every answer stays attributable.
  message.id = nextId();
  return { bytes: frameOf(JSON.stringify(message)), expects: [expectationFor(message, state)], parseErrors: 0 };
}

function messageUnit(message: Record<string, unknown>, state: ModelState, nextId: () => string | number): Unit {
  return bodyUnit(Buffer.from(JSON.stringify(message), 'utf8'), state, nextId);
}

const INTERNAL_METHODS = ['$/cancelRequest', '$/setTrace', '$/logTrace', '$/progress', 'agent.statusChanged', 'prompt.show'];
const NOT_JSON = [
  '',
  ' ',
  '{',
  '}{',
  '[1,2',
  "{'a':1}",
  'NaN',
  'undefined',
  'null,',
  '{"jsonrpc":"2.0","id":1,"method":"agent.status"',
  '\u0000',
  '\uFEFF{}x',
  '"\\ud800"x',
  '1e99999x',
  '[]]',
];

/** A frame the agent must survive without closing the connection. */
function recoverable(r: Rng, state: ModelState, nextId: () => string | number): Unit {
  const roll = r.int(0, 99);
  if (roll < 12) {
    // Valid header, garbage body.
    return bodyUnit(r.bytes(r.chance(0.995) ? r.int(0, 400) : r.int(1, MAX_BODY)), state, nextId);
  }
  if (roll < 20) {
    const text = r.pick(NOT_JSON);
    return bodyUnit(Buffer.from(r.chance(0.5) ? text : text + r.string(30), 'utf8'), state, nextId);
  }
  if (roll < 30) {
    // JSON that is not JSON-RPC (or is, by chance).
    const value = randomJson(r, 3);
    if (isRecord(value) && r.chance(0.5)) {
      value['jsonrpc'] = r.chance(0.5) ? '2.0' : randomJson(r, 0);
      if (r.chance(0.5)) value['method'] = randomJson(r, 0);
      if (r.chance(0.5)) value['id'] = r.chance(0.5) ? null : randomJson(r, 1);
    }
    return bodyUnit(Buffer.from(JSON.stringify(value) ?? 'null', 'utf8'), state, nextId);
  }
  if (roll < 42) {
    // Unknown methods, as requests and notifications.
    let method = r.chance(0.5)
      ? r.string(16)
      : r.pick(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'session.hello ', 'Agent.Status', '$/x', 'rpc.discover', '']);
    if (REQUESTS.has(method)) method += '!';
    const message: Record<string, unknown> = { jsonrpc: '2.0', method };
    if (r.chance(0.8)) message['id'] = nextId();
    if (r.chance(0.5)) message['params'] = randomJson(r, 2);
    return messageUnit(message, state, nextId);
  }
  if (roll < 75) {
    // The core methods with wrong params.
    const method = r.pick(CORE_METHODS);
    const valid: Record<string, unknown> = method === 'session.hello' ? { ...hello(r) } : method === 'elevation.request' ? elevationParams(r) : {};
    const message: Record<string, unknown> = { jsonrpc: '2.0', id: nextId(), method };
    message['params'] = method === 'agent.status' ? r.pick([randomJson(r, 2), { x: 1 }, [1, 2], 'status', 0, false]) : mutateParams(r, valid);
    return messageUnit(message, state, nextId);
  }
  if (roll < 80) {
    // Every other declared request, with params of a type no schema accepts.
    const method = r.pick(OTHER_METHODS);
    const params = r.pick([r.int(-5, 5), r.string(10), true, [r.int(0, 9), r.string(3)], { [r.string(5) || 'k']: randomJson(r, 1) }]);
    const message: Record<string, unknown> = { jsonrpc: '2.0', id: nextId(), method, params };
    if (REQUESTS.get(method)!.params.safeParse(paramsSeenByHandler(message)).success) message['params'] = 42;
    return messageUnit(message, state, nextId);
  }
  if (roll < 93) {
    // Valid calls: the handshake (right and wrong version, twice), status, elevation of a missing file.
    const pickValid = r.int(0, 9);
    const message: Record<string, unknown> = { jsonrpc: '2.0', id: nextId() };
    if (pickValid < 3) Object.assign(message, { method: 'session.hello', params: hello(r) });
    else if (pickValid < 4) Object.assign(message, { method: 'session.hello', params: { ...hello(r), protocolVersion: r.int(2, 99) } });
    else if (pickValid < 7) Object.assign(message, { method: 'agent.status', ...(r.chance(0.5) ? { params: r.pick([null, {}, []]) } : {}) });
    else Object.assign(message, { method: 'elevation.request', params: elevationParams(r) });
    if (r.chance(0.2)) delete message['jsonrpc'];
    return messageUnit(message, state, nextId);
  }
  if (roll < 97) {
    // vscode-jsonrpc's own notifications and stray responses: never answered, must not throw.
    if (r.chance(0.3)) {
      const response: Record<string, unknown> = { jsonrpc: '2.0', id: r.chance(0.5) ? null : r.int(0, 99) };
      response[r.chance(0.5) ? 'result' : 'error'] = randomJson(r, 1);
      return messageUnit(response, state, nextId);
    }
    return messageUnit({ jsonrpc: '2.0', method: r.pick(INTERNAL_METHODS), ...(r.chance(0.8) ? { params: randomJson(r, 2) } : {}) }, state, nextId);
  }
  // Two requests with the same id: vscode-jsonrpc may answer one or both; the answers are not counted.
  const dup = `dup-${r.int(0, 1e9)}`;
  const one = frameOf(JSON.stringify({ jsonrpc: '2.0', id: dup, method: 'nope' }));
  return { bytes: Buffer.concat([one, one]), expects: [{ key: JSON.stringify(dup), codes: [] }], parseErrors: 0 };
}

/** A framing violation: the agent must answer -32600 with id null and close the connection. */
function violation(r: Rng): { bytes: Buffer; reason: RegExp } {
  const body = '{"jsonrpc":"2.0","id":1,"method":"agent.status"}';
  const cl = `Content-Length: ${body.length}`;
  switch (r.int(0, 5)) {
    case 0:
      return {
        bytes: Buffer.from(`Content-Length: ${MAX_BODY + 1 + r.int(0, 999_999_999 - MAX_BODY)}\r\n\r\n${r.chance(0.5) ? body : ''}`),
        reason: /exceeds the 1048576-byte limit/,
      };
    case 1:
      return {
        bytes: Buffer.from(
          `${r.pick(['Content-Type: application/json', 'X-Length: 5', 'content_length: 5', 'Content-Length:', 'Content-Length: 5x', 'Content-Length: -5', 'Content-Length: 0x10', 'Content-Length: 1e3', 'Content-Length: 12345678901'])}\r\n\r\n${body}`,
        ),
        reason: /no valid Content-Length/,
      };
    case 2:
      return { bytes: Buffer.from(`X-Fuzz: ${'a'.repeat(r.int(MAX_HEADER, 4 * MAX_HEADER))}`), reason: /header exceeds 1024 bytes/ };
    case 3: {
      // Headers the guard and vscode-jsonrpc would read differently: each could smuggle a length past the limit.
      const smuggled = r.pick([
        ` ${cl}`,
        `Content-Length : ${body.length}`,
        `${cl}\r\n${cl}`,
        `${cl}\r`,
        `${cl}\r\nX-Pad: a\x8d\x8aContent-Length: 99999999`,
        `Content-Length: \xb1${body.length}`,
        `\r\n${cl}`,
      ]);
      return { bytes: Buffer.concat([Buffer.from(`${smuggled}\r\n\r\n`, 'latin1'), Buffer.from(body)]), reason: /no valid Content-Length/ };
    }
    case 4:
      // A header block that is only the terminator.
      return { bytes: Buffer.from(`\r\n\r\n${body}`), reason: /no valid Content-Length/ };
    default: {
      // Random bytes where a header should start, longer than a header may be (CRs removed, so no terminator).
      const bytes = Buffer.from(r.bytes(r.int(MAX_HEADER + 1, 4 * MAX_HEADER)).map((b) => (b === 0x0d ? 0x0e : b)));
      return { bytes, reason: /header exceeds 1024 bytes/ };
    }
  }
}

/** The beginning of a frame, never finished. */
function truncated(r: Rng): Buffer {
  const length = r.chance(0.9) ? r.int(1, 4000) : r.int(1, MAX_BODY);
  const full = Buffer.concat([Buffer.from(`Content-Length: ${length}\r\n\r\n`), r.bytes(length)]);
  return full.subarray(0, r.int(1, full.length - 1));
}

/* ---------------------------------------------------------------------------------------------- */
/* A raw connection that reads the agent's answers                                                 */
/* ---------------------------------------------------------------------------------------------- */

interface Answer {
  readonly id: unknown;
  readonly error?: { code: number; message: string; data?: unknown };
  readonly result?: unknown;
}

class RawConnection {
  readonly answers: Answer[] = [];
  readonly closed: Promise<void>;
  isClosed = false;
  private buffered: Buffer = Buffer.alloc(0);
  private readonly waiters = new Set<() => void>();
  readonly protocolErrors: string[] = [];
  readonly socket: net.Socket;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        this.notify();
        resolve();
      }),
    );
  }

  static open(path: string): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection(path);
      socket.once('connect', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.write(bytes, () => resolve());
    });
  }

  /** Resolves once `done()` holds, or with false after the timeout. */
  until(done: () => boolean, timeoutMs: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        resolve(done());
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    for (;;) {
      const end = this.buffered.indexOf('\r\n\r\n');
      if (end < 0) break;
      const match = /^Content-Length: (\d+)$/i.exec(this.buffered.subarray(0, end).toString('ascii'));
      if (!match) {
        this.protocolErrors.push(`unreadable answer header: ${JSON.stringify(this.buffered.subarray(0, Math.min(end, 200)).toString('latin1'))}`);
        this.buffered = Buffer.alloc(0);
        break;
      }
      const length = Number(match[1]);
      if (this.buffered.length < end + 4 + length) break;
      const body = this.buffered.subarray(end + 4, end + 4 + length).toString('utf8');
      this.buffered = this.buffered.subarray(end + 4 + length);
      try {
        const message = JSON.parse(body) as Record<string, unknown>;
        // Notifications (agent.statusChanged) carry a method and no id.
        if ('id' in message) this.answers.push(message as unknown as Answer);
      } catch {
        this.protocolErrors.push(`answer body is not JSON: ${body.slice(0, 200)}`);
      }
    }
    this.notify();
  }
}

/* ---------------------------------------------------------------------------------------------- */
/* Connection scripts                                                                               */
/* ---------------------------------------------------------------------------------------------- */

interface ConnectionReport {
  frames: number;
  failures: string[];
}

/** Checks the answers of one connection against what its units demanded. */
function checkAnswers(label: string, conn: RawConnection, units: readonly Unit[], failures: string[]): void {
  const expected = new Map<string, Expectation>();
  let parseErrors = 0;
  for (const unit of units) {
    for (const e of unit.expects) expected.set(e.key, e);
    parseErrors += unit.parseErrors;
  }
  const seen = new Set<string>();
  let parseErrorAnswers = 0;
  for (const answer of conn.answers) {
    if (answer.id === null) {
      if (answer.error?.code === JsonRpcErrorCodes.ParseError) parseErrorAnswers++;
      else if (answer.error?.code !== JsonRpcErrorCodes.InvalidRequest)
        failures.push(`${label}: unexpected id-null answer ${JSON.stringify(answer).slice(0, 300)}`);
      continue;
    }
    const key = JSON.stringify(answer.id);
    const e = expected.get(key);
    if (!e) {
      failures.push(`${label}: answer to an id never sent: ${JSON.stringify(answer).slice(0, 300)}`);
      continue;
    }
    if (key.startsWith('"dup-')) continue;
    if (seen.has(key)) failures.push(`${label}: two answers for id ${key}`);
    seen.add(key);
    if (e.codes === 'result') {
      if (answer.error || answer.result === undefined) failures.push(`${label}: id ${key} wanted a result, got ${JSON.stringify(answer).slice(0, 300)}`);
    } else if (!answer.error || !e.codes.includes(answer.error.code)) {
      failures.push(`${label}: id ${key} wanted error ${e.codes.join('|')}, got ${JSON.stringify(answer).slice(0, 300)}`);
    } else if (e.supported && JSON.stringify(answer.error.data) !== JSON.stringify({ supported: [PROTOCOL_VERSION] })) {
      failures.push(`${label}: id ${key} ProtocolVersionMismatch without data.supported: ${JSON.stringify(answer.error)}`);
    }
  }
  for (const key of expected.keys()) {
    if (!key.startsWith('"dup-') && !seen.has(key)) failures.push(`${label}: no answer for id ${key}`);
  }
  if (parseErrorAnswers !== parseErrors) failures.push(`${label}: ${parseErrors} bodies were not JSON but ${parseErrorAnswers} ParseErrors came back`);
  failures.push(...conn.protocolErrors.map((e) => `${label}: ${e}`));
}

const answeredAll = (conn: RawConnection, units: readonly Unit[]) => {
  const wanted = units.reduce((n, u) => n + u.expects.filter((e) => !e.key.startsWith('"dup-')).length + u.parseErrors, 0);
  return () => conn.answers.filter((a) => !(typeof a.id === 'string' && a.id.startsWith('dup-'))).length >= wanted || conn.isClosed;
};

/** Splits traffic into writes: one big pipelined write, a few, or many small ones cut anywhere. */
function* writesOf(r: Rng, units: readonly Unit[]): Generator<Buffer> {
  const all = Buffer.concat(units.map((u) => u.bytes));
  const style = r.int(0, 9);
  if (style < 4) {
    yield all;
    return;
  }
  const maxPiece = style < 8 ? Math.max(1, Math.ceil(all.length / r.int(2, 8))) : r.int(1, 64);
  for (let i = 0; i < all.length;) {
    const n = Math.min(all.length - i, r.int(1, maxPiece));
    yield all.subarray(i, i + n);
    i += n;
  }
}

async function sendUnits(r: Rng, conn: RawConnection, units: readonly Unit[]): Promise<void> {
  let writes = 0;
  for (const piece of writesOf(r, units)) {
    if (conn.isClosed) return;
    // Small pieces are written back to back; awaiting each would only measure the loop.
    if (piece.length > 64 || ++writes % 64 === 0) await conn.write(piece);
    else conn.socket.write(piece);
  }
}

async function runConnection(path: string, wave: number, index: number): Promise<ConnectionReport> {
  const seed = subSeed(SEED, wave, index);
  const label = `wave ${wave} connection ${index} (FUZZ_SEED=${SEED})`;
  const r = new Rng(seed);
  const state: ModelState = { session: false };
  const nextId = idMaker(r);
  const failures: string[] = [];
  const conn = await RawConnection.open(path);
  const kind = r.int(0, 99);
  let frames = 0;
  try {
    if (kind < 60) {
      // Mixed recoverable traffic, pipelined in arbitrary pieces; every frame's answer is checked.
      const units = r.chance(0.5) ? [messageUnit({ jsonrpc: '2.0', id: nextId(), method: 'session.hello', params: hello(r) }, state, nextId)] : [];
      for (let n = r.int(40, 160); n > 0; n--) units.push(recoverable(r, state, nextId));
      frames += units.length;
      await sendUnits(r, conn, units);
      if (!(await conn.until(answeredAll(conn, units), REPLY_TIMEOUT_MS))) failures.push(`${label}: answers still missing after ${REPLY_TIMEOUT_MS} ms`);
      if (conn.isClosed) failures.push(`${label}: the agent closed a connection that broke no framing rule`);
      checkAnswers(label, conn, units, failures);
    } else if (kind < 80) {
      // Some good traffic, then a framing violation: one -32600 with id null, then the agent hangs up.
      const units = Array.from({ length: r.int(0, 20) }, () => recoverable(r, state, nextId));
      frames += units.length;
      await sendUnits(r, conn, units);
      await conn.until(answeredAll(conn, units), REPLY_TIMEOUT_MS);
      checkAnswers(label, conn, units, failures);
      const before = conn.answers.length;
      const bad = violation(r);
      frames++;
      await conn.write(bad.bytes);
      if (!(await conn.until(() => conn.isClosed, 5_000)))
        failures.push(`${label}: not disconnected after a framing violation ${JSON.stringify(bad.bytes.subarray(0, 80).toString('latin1'))}`);
      const last = conn.answers.slice(before).filter((a) => !(typeof a.id === 'string' && a.id.startsWith('dup-')));
      if (last.length !== 1 || last[0]!.id !== null || last[0]!.error?.code !== JsonRpcErrorCodes.InvalidRequest || !bad.reason.test(last[0]!.error.message)) {
        failures.push(
          `${label}: wanted one -32600 matching ${bad.reason} after ${JSON.stringify(bad.bytes.subarray(0, 80).toString('latin1'))}, got ${JSON.stringify(last).slice(0, 300)}`,
        );
      }
    } else if (kind < 92) {
      // Some traffic, then half a frame, then hang up (closing or resetting).
      const units = Array.from({ length: r.int(0, 20) }, () => recoverable(r, state, nextId));
      frames += units.length + 1;
      await sendUnits(r, conn, units);
      if (r.chance(0.5)) await conn.until(answeredAll(conn, units), REPLY_TIMEOUT_MS);
      await conn.write(truncated(r));
      // A random pause before the hang-up: the fuzz varies timing as well as bytes.
      if (r.chance(0.3)) await new Promise((resolve) => setTimeout(resolve, r.int(0, 150)));
      if (r.chance(0.5)) conn.socket.end();
      else conn.destroy();
    } else {
      // Random bytes, in one to three writes, then hang up.
      for (let n = r.int(1, 3); n > 0 && !conn.isClosed; n--) {
        frames++;
        await conn.write(r.bytes(r.int(1, 3000)));
      }
      // A random pause, so the hang-up lands at varying points of the agent's reading.
      await new Promise((resolve) => setTimeout(resolve, r.int(0, 50)));
      failures.push(...conn.protocolErrors.map((e) => `${label}: ${e}`));
    }
  } finally {
    conn.destroy();
    await conn.closed;
  }
  return { frames, failures };
}

/**
 * A client that pipelines agent.status requests as fast as it can and never reads an answer. The
 * agent must stop reading from it once its answers back up (so the client's writes pile up on the
 * client's side) rather than read on and queue answers without limit.
 */
async function flood(path: string, durationMs: number): Promise<{ frames: number; queued: number; accepted: number; hungUp: boolean }> {
  const conn = await RawConnection.open(path);
  conn.socket.pause();
  const hello = frameOf(
    JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'session.hello', params: { protocolVersion: 1, client: { kind: 'cli', name: 'flood', version: '1' } } }),
  );
  const frame = frameOf(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'agent.status' }));
  const batch = Buffer.concat(Array.from({ length: 1000 }, () => frame));
  conn.socket.write(hello);
  let queued = hello.length;
  const deadline = Date.now() + durationMs;
  while (Date.now() < deadline && queued < FLOOD_BYTES) {
    conn.socket.write(batch);
    queued += batch.length;
    await new Promise((resolve) => setImmediate(resolve));
  }
  // Give the agent the rest of the time to read whatever it is willing to read.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())));
  // A socket the agent closed has dropped its unsent bytes, so `accepted` would count them as read.
  const hungUp = conn.isClosed;
  const accepted = queued - conn.socket.writableLength;
  conn.destroy();
  await conn.closed;
  return { frames: Math.floor(accepted / frame.length), queued, accepted, hungUp };
}

/* ---------------------------------------------------------------------------------------------- */
/* The test                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/**
 * The well-behaved client runs in its own process: in this one, generating and checking the fuzz
 * traffic keeps the event loop busy for long stretches, which would be measured as agent latency.
 * It prints one JSON line per poll.
 */
const POLLER_SCRIPT = `
import { AgentClient } from ${JSON.stringify(new URL('../../shared/protocol/src/node/agentClient.ts', import.meta.url).href)};
import { AgentStatusRequest, PROTOCOL_VERSION, SessionHello } from ${JSON.stringify(new URL('../../shared/protocol/src/common/index.ts', import.meta.url).href)};
const client = await AgentClient.connect(process.env.KEEPER_POLL_SOCKET);
// When the agent goes away the poller ends too, so it never outlives the run.
client.onClose(() => process.exit(0));
await client.request(SessionHello, { protocolVersion: PROTOCOL_VERSION, client: { kind: 'monitor', name: 'fuzz-poller', version: '1' } });
for (;;) {
  const started = performance.now();
  let line;
  try {
    const status = await client.request(AgentStatusRequest, undefined, 5000);
    line = { ms: performance.now() - started, version: status.version };
  } catch (error) {
    line = { ms: performance.now() - started, error: error.message };
  }
  process.stdout.write(JSON.stringify(line) + '\\n');
  await new Promise((resolve) => setTimeout(resolve, ${POLL_EVERY_MS}));
}
`;

interface Poll {
  readonly ms: number;
  readonly version?: string;
  readonly error?: string;
  framesSent: number;
}

function startPoller(socket: string, progress: () => number): { polls: Poll[]; child: ChildProcess; stop(): Promise<void> } {
  const child = spawn(process.execPath, ['--input-type=module', '-e', POLLER_SCRIPT], {
    env: { ...process.env, KEEPER_POLL_SOCKET: socket },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const polls: Poll[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => polls.push({ ...(JSON.parse(line) as Poll), framesSent: progress() }));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    polls,
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe.skipIf(process.platform !== 'linux')('protocol fuzz against the real agent', () => {
  const sandbox = makeSandbox();
  let agent: AgentProcess;

  beforeAll(async () => {
    agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir });
  });

  afterAll(async () => {
    await agent?.stop();
    sandbox.cleanup();
  });

  it(`survives ${TARGET_FRAMES.toLocaleString('en')} hostile frames while agent.status keeps answering within ${POLL_DEADLINE_MS} ms`, async () => {
    console.log(`protocolFuzz: seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
    const pid = agent.child.pid!;
    let framesSent = 0;
    const poller = startPoller(sandbox.socket, () => framesSent);
    await expect.poll(() => poller.polls.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const version = poller.polls[0]!.version;
    expect(version).toBeTypeOf('string');
    const fdsBefore = readdirSync(`/proc/${pid}/fd`).length;

    const rss: Array<{ progress: number; mb: number }> = [];
    const sampler = setInterval(() => rss.push({ progress: framesSent / TARGET_FRAMES, mb: rssMb(pid) }), 250);

    const failures: string[] = [];
    const floods: Array<ReturnType<typeof flood>> = [];
    const started = performance.now();
    let wave = 0;
    try {
      while (framesSent < TARGET_FRAMES) {
        if (floods.length < 2 && framesSent >= TARGET_FRAMES * (floods.length === 0 ? 0.3 : 0.6)) floods.push(flood(sandbox.socket, 3_000));
        const reports = await Promise.all(Array.from({ length: CONNECTIONS_PER_WAVE }, (_, i) => runConnection(sandbox.socket, wave, i)));
        for (const report of reports) {
          framesSent += report.frames;
          failures.push(...report.failures);
        }
        wave++;
      }
      for (const result of await Promise.all(floods)) {
        framesSent += result.frames;
        if (result.hungUp) {
          failures.push(`the agent hung up on a client that never reads, after ${result.queued} bytes queued`);
        } else if (result.accepted > FLOOD_ACCEPTED_MAX || result.queued < 2 * FLOOD_ACCEPTED_MAX) {
          failures.push(
            `a client that never reads got ${result.accepted} of its ${result.queued} bytes read by the agent (at most ${FLOOD_ACCEPTED_MAX} allowed)`,
          );
        }
      }
    } finally {
      await poller.stop();
      clearInterval(sampler);
    }
    const seconds = (performance.now() - started) / 1000;

    // Settled: the agent is alive, answers a new client, and holds no more descriptors than before.
    expect(agent.child.exitCode, agent.output()).toBeNull();
    expect(agent.child.signalCode).toBeNull();
    const fresh = await connectClient(sandbox.socket);
    expect((await fresh.request(AgentStatusRequest, undefined)).version).toBe(version);
    fresh.close();
    // A few descriptors may open lazily (log or database files); a leaked socket per connection would be hundreds.
    await expect.poll(() => readdirSync(`/proc/${pid}/fd`).length, { timeout: 5_000 }).toBeLessThanOrEqual(fdsBefore + 5);

    const mbs = rss.map((s) => s.mb);
    const quarter = (lo: number, hi: number) => rss.filter((s) => s.progress >= lo && s.progress < hi).map((s) => s.mb);
    const secondQuarter = median(quarter(0.25, 0.5));
    const lastQuarter = median(quarter(0.75, Infinity));
    const polls = poller.polls.slice(1);
    const latencies = polls.map((p) => p.ms);
    const pollFailures = polls
      .filter((p) => p.ms > POLL_DEADLINE_MS || p.error !== undefined || p.version !== version)
      .map((p) => `agent.status at ${p.framesSent} frames: ${p.error ?? `version ${p.version}`} after ${p.ms.toFixed(0)} ms`);
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(
      `protocolFuzz: seed ${SEED}: ${framesSent} frames, ${wave * CONNECTIONS_PER_WAVE + floods.length} connections in ${seconds.toFixed(1)} s; ` +
        `agent.status ${latencies.length} polls, p50 ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} ms, p99 ${sorted[Math.floor(sorted.length * 0.99)]?.toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms; ` +
        `RSS start ${mbs[0]?.toFixed(0)} MB, peak ${Math.max(...mbs).toFixed(0)} MB, median 2nd quarter ${secondQuarter.toFixed(0)} MB, last quarter ${lastQuarter.toFixed(0)} MB`,
    );

    expect(failures.slice(0, 20), `${failures.length} failures (FUZZ_SEED=${SEED})`).toEqual([]);
    expect(pollFailures, `FUZZ_SEED=${SEED}; RSS samples ${rss.map((x) => x.mb.toFixed(0)).join(' ')}`).toEqual([]);
    expect(framesSent).toBeGreaterThanOrEqual(TARGET_FRAMES);
    expect(latencies.length).toBeGreaterThan(seconds * (1000 / (POLL_EVERY_MS + POLL_DEADLINE_MS)));
    expect(Math.max(...mbs), `RSS samples ${mbs.map((m) => m.toFixed(0)).join(' ')}`).toBeLessThan(RSS_CAP_MB);
    expect(lastQuarter - secondQuarter, `RSS samples ${mbs.map((m) => m.toFixed(0)).join(' ')}`).toBeLessThan(RSS_GROWTH_MB);
    // An unexpected exception in a handler is logged as "handler failed": none may happen.
    expect(agent.output()).not.toContain('handler failed');
  }, 180_000);
});
