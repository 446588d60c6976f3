import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resolveCommand } from '../../../../../shared/protocol/src/node/resolveCommand.ts';
import type { NetworkInterface, NetworkSnapshot, SavedConnection } from '../../../../../shared/bridge/src/common/services/networkConnections.ts';
import { logToStderr, problem, rawText, type ProblemLog } from '../elevation/elevationProblem.ts';

/** Where system tools live, whatever PATH the desktop was started with. */
export const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export type RunTool = (file: string, args: readonly string[]) => Promise<string>;

const execFileAsync = promisify(execFile);

export const runTool: RunTool = async (file, args) =>
  (await execFileAsync(file, [...args], { timeout: 5_000, maxBuffer: 4 * 1024 * 1024, env: { PATH: SYSTEM_PATH, LC_ALL: 'C' } })).stdout;

export interface InventorySources {
  readonly sysClassNet: string;
  readonly findTool: (name: string) => string | null;
  readonly run: RunTool;
  readonly now: () => Date;
  readonly log: ProblemLog;
}

export const SYSTEM_SOURCES: InventorySources = {
  sysClassNet: '/sys/class/net',
  findTool: (name) => resolveCommand(name, { PATH: SYSTEM_PATH }, '/'),
  run: runTool,
  now: () => new Date(),
  log: logToStderr,
};

const readText = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
};

/** ARPHRD_* numbers from <linux/if_arp.h> that name a kind we show. */
const ARPHRD_ETHER = 1;
const ARPHRD_LOOPBACK = 772;
const IFF_UP = 0x1;

function kindOf(dir: string, type: number | null): NetworkInterface['kind'] {
  if (type === ARPHRD_LOOPBACK) return 'loopback';
  if (readText(join(dir, 'uevent'))?.includes('DEVTYPE=wlan') || readdirSafe(join(dir, 'wireless')).length > 0) return 'wireless';
  let real = dir;
  try {
    real = realpathSync(dir);
  } catch {
    // A vanished interface: shown with what could be read.
  }
  if (real.includes('/virtual/')) return 'virtual';
  return type === ARPHRD_ETHER ? 'ethernet' : 'other';
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

type Addresses = Map<string, NetworkInterface['addresses']>;

/** `ip -json addr`: every interface's addresses, down ones included. */
export function parseIpJson(text: string): Addresses {
  const result: Addresses = new Map();
  const links = JSON.parse(text) as Array<{ ifname: string; addr_info?: Array<{ family: string; local: string; prefixlen: number }> }>;
  for (const link of links) {
    result.set(
      link.ifname,
      (link.addr_info ?? [])
        .filter((a) => a.family === 'inet' || a.family === 'inet6')
        .map((a) => ({ family: a.family === 'inet' ? ('IPv4' as const) : ('IPv6' as const), address: a.local, prefixLength: a.prefixlen })),
    );
  }
  return result;
}

/** Node's view: interfaces that have an address. */
function nodeAddresses(): Addresses {
  const result: Addresses = new Map();
  for (const [name, infos] of Object.entries(networkInterfaces())) {
    result.set(
      name,
      (infos ?? []).map((info) => ({ family: info.family, address: info.address, prefixLength: Number(info.cidr?.split('/')[1] ?? 0) })),
    );
  }
  return result;
}

/** nmcli's terse mode separates fields with ':' and escapes ':' and '\' inside them. */
export function splitTerse(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (char === '\\' && i + 1 < line.length) field += line[++i];
    else if (char === ':') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return fields;
}

/** `nmcli -t -f NAME,UUID,TYPE,DEVICE,ACTIVE connection show`. */
export function parseConnections(text: string): SavedConnection[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name = '', uuid = '', type = '', device = '', active = ''] = splitTerse(line);
      return { name, uuid, type, device: device && device !== '--' ? device : null, active: active === 'yes' };
    });
}

/** `nmcli -t -f IN-USE,SSID,SIGNAL device wifi list`. */
export function parseWifi(text: string): Array<{ ssid: string; signal: number | null; inUse: boolean }> {
  return (
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [inUse = '', ssid = '', signal = ''] = splitTerse(line);
        return { ssid, signal: /^\d+$/.test(signal) ? Number(signal) : null, inUse: inUse.trim() === '*' };
      })
      // Hidden networks have no name (nmcli prints --).
      .filter((network) => network.ssid.trim() !== '' && network.ssid !== '--')
  );
}

/**
 * This machine's interfaces as the kernel reports them (/sys/class/net), with addresses from
 * `ip -json addr` (Node's os.networkInterfaces when `ip` is missing) and, when NetworkManager is
 * installed, its saved connections and Wi-Fi networks.
 */
export async function readNetworkSnapshot(sources: InventorySources = SYSTEM_SOURCES): Promise<NetworkSnapshot> {
  const ip = sources.findTool('ip');
  let addresses = nodeAddresses();
  if (ip) {
    try {
      addresses = parseIpJson(await sources.run(ip, ['-json', 'addr', 'show']));
    } catch {
      // An `ip` without JSON output (busybox): Node's view is enough.
    }
  }

  const nmcli = sources.findTool('nmcli');
  let networkManager: NetworkSnapshot['networkManager'] = { available: false, problem: problem('nmcli-missing') };
  if (nmcli) {
    try {
      const connections = parseConnections(await sources.run(nmcli, ['-t', '-f', 'NAME,UUID,TYPE,DEVICE,ACTIVE', 'connection', 'show']));
      const wifi = parseWifi(await sources.run(nmcli, ['-t', '-f', 'IN-USE,SSID,SIGNAL', 'device', 'wifi', 'list']).catch(() => ''));
      networkManager = { available: true, connections, wifi };
    } catch (error) {
      networkManager = { available: false, problem: problem('nmcli-failed') };
      sources.log(networkManager.problem, `nmcli connection show: ${rawText(error)}`);
    }
  }
  const activeSsid = networkManager.available ? (networkManager.wifi.find((w) => w.inUse)?.ssid ?? null) : null;

  const names = new Set([...readdirSafe(sources.sysClassNet), ...addresses.keys()]);
  const interfaces = [...names].sort().map((name): NetworkInterface => {
    const dir = join(sources.sysClassNet, name);
    const type = Number(readText(join(dir, 'type')) ?? NaN);
    const flags = Number.parseInt(readText(join(dir, 'flags')) ?? '', 16);
    const mtu = Number(readText(join(dir, 'mtu')) ?? NaN);
    const carrier = readText(join(dir, 'carrier'));
    const kind = kindOf(dir, Number.isNaN(type) ? null : type);
    const wirelessDevice = networkManager.available && networkManager.connections.some((c) => c.active && c.device === name && c.type.includes('wireless'));
    return {
      name,
      state: readText(join(dir, 'operstate')) ?? 'unknown',
      adminUp: Number.isNaN(flags) ? (addresses.get(name)?.length ?? 0) > 0 : (flags & IFF_UP) !== 0,
      carrier: carrier === null ? null : carrier === '1',
      kind,
      mac: readText(join(dir, 'address')),
      mtu: Number.isNaN(mtu) ? null : mtu,
      addresses: addresses.get(name) ?? [],
      ssid: kind === 'wireless' && wirelessDevice ? activeSsid : null,
    };
  });
  return { interfaces, networkManager, takenAt: sources.now().toISOString() };
}
