import { spawn } from 'node:child_process';
import { systemUser } from './requesterProcess.ts';

/** One thing a probe does against the web shell, from its own process. */
export type ProbeStep =
  | { readonly kind: 'cmdlines' }
  | { readonly kind: 'readFile'; readonly path: string }
  | { readonly kind: 'get'; readonly port: number; readonly path: string; readonly host?: string }
  /** The bridge handshake with a window's token, or (`launch`) with a launch nonce for `window`. */
  | { readonly kind: 'upgrade'; readonly port: number; readonly token: string; readonly host?: string; readonly origin?: string }
  | { readonly kind: 'launch'; readonly port: number; readonly window: string; readonly nonce: string; readonly host?: string; readonly origin?: string };

/** What a step saw: an HTTP status and body (101 for an accepted WebSocket), or every command line. */
export type ProbeResult =
  | { readonly status: number; readonly body: string }
  | { readonly cmdlines: ReadonlyArray<{ readonly pid: number; readonly cmdline: string }> }
  | { readonly error: string };

// Plain Node, no project imports: it runs as another OS user. Steps arrive on stdin, so that no
// secret of the test is on the probe's own command line.
const SCRIPT = `
const http = require('node:http');
const fs = require('node:fs');
const crypto = require('node:crypto');
const send = (step, method, path, headers, body) => new Promise((resolve) => {
  const req = http.request({ host: '127.0.0.1', port: step.port, method, path, headers });
  req.on('response', (res) => { let text = ''; res.on('data', (c) => (text += c)); res.on('end', () => resolve({ status: res.statusCode, body: text })); });
  req.on('upgrade', (res, socket) => { socket.destroy(); resolve({ status: res.statusCode, body: '' }); });
  req.on('error', (e) => resolve({ error: e.message }));
  req.end(body);
});
const run = async (step) => {
  const host = step.host ?? '127.0.0.1:' + step.port;
  const origin = step.origin ?? 'http://' + host;
  switch (step.kind) {
    case 'cmdlines':
      return { cmdlines: fs.readdirSync('/proc').filter((d) => /^\\d+$/.test(d)).flatMap((pid) => {
        try { return [{ pid: Number(pid), cmdline: fs.readFileSync('/proc/' + pid + '/cmdline', 'latin1').split('\\0').join(' ') }]; } catch { return []; }
      }) };
    case 'readFile':
      try { return { status: 200, body: fs.readFileSync(step.path, 'utf8') }; } catch (e) { return { error: e.code }; }
    case 'get':
      return send(step, 'GET', step.path, { host });
    case 'upgrade':
    case 'launch':
      return send(step, 'GET', '/bridge?window=' + encodeURIComponent(step.window ?? ''), {
        host, origin, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': crypto.randomBytes(16).toString('base64'),
        'sec-websocket-protocol': 'keeper.bridge, ' + (step.kind === 'launch' ? 'keeper.launch.' + step.nonce : 'keeper.token.' + step.token),
      });
  }
};
let input = '';
process.stdin.on('data', (c) => (input += c));
process.stdin.on('end', async () => {
  const results = [];
  for (const step of JSON.parse(input)) results.push(await run(step));
  process.stdout.write(JSON.stringify(results));
});`;

/**
 * Runs `steps` in a Node process of its own, as OS user `user` (the attacker, \`nobody\`) or as
 * this test's own user when `user` is null, and returns what each step saw.
 */
export function probeWebShell(user: string | null, steps: readonly ProbeStep[]): Promise<ProbeResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', SCRIPT], { cwd: '/', stdio: ['pipe', 'pipe', 'pipe'], ...(user ? systemUser(user) : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`the probe exited with ${code}: ${stderr}`));
      resolve(JSON.parse(stdout) as ProbeResult[]);
    });
    child.stdin.end(JSON.stringify(steps));
  });
}
