import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { isWindowId } from '../../../../../shared/bridge/src/common/windows.ts';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export interface RendererAsset {
  readonly body: Buffer;
  readonly contentType: string;
  /** A build output named by its content hash (vite.renderer.config.ts): the same URL never serves other bytes. */
  readonly immutable: boolean;
}

/** `assets/<name>-<hash>.<ext>`, as the renderer build names every script, style sheet and font it emits. */
const HASHED_ASSET = /^\/assets\/[A-Za-z0-9_.-]+-[A-Za-z0-9_-]{8}\.(?:js|css|woff2)$/;

/**
 * Maps a URL path onto the built renderer folder. `/<window>/` is that window's page (Vite emits it
 * at `<window>/src/renderer/index.html`); anything else must be a file inside the folder. Paths that
 * leave the folder, unknown types and missing files are all "not found".
 */
export async function loadRendererAsset(rendererDir: string, urlPath: string): Promise<RendererAsset | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const page = /^\/([a-z-]+)\/?$/.exec(decoded);
  const relative = page?.[1] && isWindowId(page[1]) ? `${page[1]}/src/renderer/index.html` : decoded;
  const root = normalize(rendererDir + sep);
  const file = normalize(join(root, relative));
  if (!file.startsWith(root) || file.includes('\0')) return null;
  const contentType = CONTENT_TYPES[extname(file)];
  if (!contentType) return null;
  try {
    return { body: await readFile(file), contentType, immutable: HASHED_ASSET.test(decoded) };
  } catch {
    return null;
  }
}
