'use strict';
// Runs `node-gyp rebuild` at install time. Node-API makes the addon independent of the Node whose
// headers it is compiled against, so with no nodedir configured any local Node headers will do; the
// alternative, node-gyp downloading headers from nodejs.org, fails where only the npm registry is reachable.
const { spawnSync } = require('node:child_process');
const { existsSync, realpathSync } = require('node:fs');
const path = require('node:path');

// The agent identifies Windows pipe clients without this addon; building it there would only demand Visual Studio.
if (process.platform === 'win32') process.exit(0);

const args = ['rebuild'];
if (!process.env.npm_config_nodedir) {
  const candidates = [path.resolve(realpathSync(process.execPath), '../..'), process.config.variables.node_prefix, '/usr/local', '/usr'];
  const nodedir = candidates.find(
    (dir) => dir && existsSync(path.join(dir, 'include/node/node_api.h')) && existsSync(path.join(dir, 'include/node/common.gypi')),
  );
  if (nodedir) args.push(`--nodedir=${nodedir}`);
}

// npm names its own node-gyp; outside npm, use the project's.
const nodeGyp = process.env.npm_config_node_gyp || require.resolve('node-gyp/bin/node-gyp.js');
const result = spawnSync(process.execPath, [nodeGyp, ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
