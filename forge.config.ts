import { MakerDeb } from '@electron-forge/maker-deb';
import { MakerSquirrel } from '@electron-forge/maker-squirrel';
import { MakerZIP } from '@electron-forge/maker-zip';
import { FusesPlugin } from '@electron-forge/plugin-fuses';
import { VitePlugin } from '@electron-forge/plugin-vite';
import type { ForgeConfig } from '@electron-forge/shared-types';
import { FuseV1Options, FuseVersion } from '@electron/fuses';

/**
 * Electron Forge 8: the developer run loop (`electron-forge start`) and Forge's own makers.
 * The shipped installers come from electron-builder (electron-builder.yml): Forge 8 has no rpm or
 * AppImage maker, and neither Squirrel nor the deb maker registers the agent as a system service.
 *
 * Everything builds to the same places as `npm run build` (dist/main/index.js = package.json
 * "main", dist/preload/<window>.cjs), because the main process loads its pages and preloads from
 * dist/ through the keeper-app:// scheme, not from Forge's dev server. So the renderer is built by
 * Vite's own command before `start` and `package` (generateAssets), and `start` rebuilds main +
 * preload on change.
 */

/**
 * The renderer is two Vite environments into dist/renderer (the prompt windows on Preact, the others
 * on React), which only Vite's buildApp builds both of (as `vite build` does): Forge's Vite plugin
 * builds a renderer entry through Vite's build(), which builds the first environment alone and empties
 * the folder first.
 */
async function buildRenderer(): Promise<void> {
  const { createBuilder } = await import('vite');
  await (await createBuilder({ configFile: 'vite.renderer.config.ts' })).buildApp();
}

/** What a package holds: the same set as electron-builder's `files` (packager prunes devDependencies). */
function isIgnoredInPackage(file: string): boolean {
  if (!file) return false;
  if (file === '/package.json') return false;
  if (/^\/dist\/agent(\/|$)/.test(file)) return true;
  return !/^\/(dist|node_modules)(\/|$)/.test(file);
}

const config: ForgeConfig = {
  packagerConfig: {
    name: 'Keeper Desktop',
    executableName: 'keeper-desktop-suite',
    appBundleId: 'com.keeper.desktop-suite',
    asar: { unpack: '**/node_modules/better-sqlite3/**' },
    ignore: isIgnoredInPackage,
    // Copied into resources/ by name; the agent itself (Node binary + bundle) ships with electron-builder.
    extraResource: ['resources/linux/keeper-agent.service', 'resources/macos/com.keeper.agent.plist'],
  },
  // better-sqlite3 13 ships N-API prebuilds: nothing to rebuild against Electron's headers.
  rebuildConfig: { onlyModules: [] },
  hooks: { generateAssets: buildRenderer },
  makers: [
    new MakerDeb({
      options: {
        name: 'keeper-desktop-suite',
        productName: 'Keeper Desktop',
        bin: 'keeper-desktop-suite',
        categories: ['Utility'],
      },
    }),
    new MakerZIP({}, ['darwin', 'linux']),
    new MakerSquirrel({}),
  ],
  plugins: [
    new VitePlugin({
      build: [
        { entry: 'apps/desktop/src/main/electronMain.ts', config: 'vite.main.config.ts', target: 'main' },
        { entry: 'apps/desktop/src/preload/windowPreload.ts', config: 'vite.preload.config.ts', target: 'preload' },
      ],
      // None through the plugin: see buildRenderer.
      renderer: [],
    }),
    // The same hardened set as electronFuses in electron-builder.yml, flipped after the app is copied.
    new FusesPlugin({
      version: FuseVersion.V1,
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    }),
  ],
};

export default config;
