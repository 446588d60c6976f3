import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseConnections, parseIpJson, parseWifi, readNetworkSnapshot, splitTerse, SYSTEM_SOURCES } from './networkInventory.ts';

describe('network inventory', () => {
  it('lists this machine’s real interfaces with the addresses the OS reports', async () => {
    const snapshot = await readNetworkSnapshot();
    const names = snapshot.interfaces.map((item) => item.name);
    expect(names).toEqual(expect.arrayContaining(readdirSync('/sys/class/net')));
    for (const [name, infos] of Object.entries(networkInterfaces())) {
      const shown = snapshot.interfaces.find((item) => item.name === name);
      expect(shown, name).toBeDefined();
      expect(shown!.addresses.map((a) => a.address).sort()).toEqual(expect.arrayContaining((infos ?? []).map((info) => info.address.split('%')[0]!)));
    }
    const lo = snapshot.interfaces.find((item) => item.name === 'lo')!;
    expect(lo).toMatchObject({ kind: 'loopback', adminUp: true });
    expect(lo.addresses).toContainEqual({ family: 'IPv4', address: '127.0.0.1', prefixLength: 8 });
  });

  it('says NetworkManager is missing when nmcli is not installed, and still lists interfaces', async () => {
    const snapshot = await readNetworkSnapshot({ ...SYSTEM_SOURCES, findTool: (name) => (name === 'nmcli' ? null : SYSTEM_SOURCES.findTool(name)) });
    expect(snapshot.networkManager).toEqual({ available: false, problem: { code: 'nmcli-missing', values: {} } });
    expect(snapshot.interfaces.length).toBeGreaterThan(0);
  });

  it('reports a failing nmcli instead of failing the whole view, its words only in the log', async () => {
    const logged: string[] = [];
    const snapshot = await readNetworkSnapshot({
      ...SYSTEM_SOURCES,
      log: (shown, raw) => logged.push(`${shown.code}: ${raw}`),
      findTool: (name) => (name === 'nmcli' ? '/usr/bin/nmcli' : SYSTEM_SOURCES.findTool(name)),
      run: (file, args) => (file.endsWith('nmcli') ? Promise.reject(new Error('Error: NetworkManager is not running.')) : SYSTEM_SOURCES.run(file, args)),
    });
    expect(snapshot.networkManager).toEqual({ available: false, problem: { code: 'nmcli-failed', values: {} } });
    expect(logged).toEqual(['nmcli-failed: nmcli connection show: Error: NetworkManager is not running.']);
  });

  it('falls back to Node’s view of addresses when `ip` is missing', async () => {
    const snapshot = await readNetworkSnapshot({ ...SYSTEM_SOURCES, findTool: () => null });
    expect(snapshot.interfaces.find((item) => item.name === 'lo')!.addresses).toContainEqual({ family: 'IPv4', address: '127.0.0.1', prefixLength: 8 });
  });

  it.runIf(existsSync('/usr/sbin/ip'))('reads `ip -json addr` as the ip tool prints it', () => {
    const parsed = parseIpJson(execFileSync('/usr/sbin/ip', ['-json', 'addr', 'show'], { encoding: 'utf8' }));
    expect(parsed.get('lo')).toContainEqual({ family: 'IPv4', address: '127.0.0.1', prefixLength: 8 });
  });

  it('parses nmcli’s terse output, escaped colons included', () => {
    expect(splitTerse('Home\\: 5 GHz:abc:802-11-wireless:wlan0:yes')).toEqual(['Home: 5 GHz', 'abc', '802-11-wireless', 'wlan0', 'yes']);
    expect(
      parseConnections(
        'Home\\: 5 GHz:0b6e5b0e-3c1f-4f8e-9d61-2f3f0c1d2e3a:802-11-wireless:wlan0:yes\nWired:11111111-2222-3333-4444-555555555555:802-3-ethernet:--:no\n',
      ),
    ).toEqual([
      { name: 'Home: 5 GHz', uuid: '0b6e5b0e-3c1f-4f8e-9d61-2f3f0c1d2e3a', type: '802-11-wireless', device: 'wlan0', active: true },
      { name: 'Wired', uuid: '11111111-2222-3333-4444-555555555555', type: '802-3-ethernet', device: null, active: false },
    ]);
    expect(parseWifi('*:Home\\: 5 GHz:72\n :Cafe:40\n : :10\n')).toEqual([
      { ssid: 'Home: 5 GHz', signal: 72, inUse: true },
      { ssid: 'Cafe', signal: 40, inUse: false },
    ]);
  });
});
