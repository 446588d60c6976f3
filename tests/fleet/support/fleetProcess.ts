import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '..', '..', '..', 'apps', 'fleet-server', 'bin', 'keeper-fleet.js');

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((ok) => server.close(ok));
  return port;
}

/** A real `keeper-fleet serve` process (so it can be killed with SIGKILL), resolved once it listens. */
export async function startFleetProcess(
  databaseUrl: string,
  dataDir: string,
  port: number,
  extra: string[] = [],
): Promise<ChildProcess & { url: string; logs: () => string }> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn', '--sweep-interval', '100ms', ...extra],
    {
      env: { ...process.env, KEEPER_FLEET_DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 1_000_000) stderr += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('listening on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`keeper-fleet exited with ${code}: ${stderr}`)));
  });
  return Object.assign(child, { url: `https://localhost:${port}`, logs: () => stderr });
}

export async function kill9(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((ok) => child.once('exit', ok));
  child.kill('SIGKILL');
  await gone;
}
