// The public static files under /assets/: the dashboard's own CSS/JS, chart.js from node_modules, and the
// folders other plugins registered (/assets/ext/<plugin>/...). Whatever the path, the answer is the file or
// a plain 404: never a 500, never a file-system path (an error of `send` names the resolved file).
import { send } from '@koa/send';
import type { Context } from 'koa';

/** Serves `rest` (the path after /assets/, still URL-encoded); false when there is no such public file. */
export async function serveAsset(ctx: Context, rest: string, assetsDir: string, vendorDir: string, extDir: (plugin: string) => string | undefined): Promise<boolean> {
  let root = assetsDir;
  let file = rest;
  if (rest === 'vendor/chart.umd.min.js') {
    root = vendorDir;
    file = 'chart.umd.min.js';
  } else {
    const ext = /^ext\/([a-z][a-z0-9_]*)\/(.+)$/.exec(rest);
    if (ext) {
      const dir = extDir(ext[1] ?? '');
      if (!dir) return false;
      root = dir;
      file = ext[2] ?? '';
    }
  }
  if (!isPlainRelative(file)) return false;
  try {
    return !!(await send(ctx, file, { root, hidden: false }));
  } catch {
    return false;
  }
}

/** A relative path of ordinary names: no empty, `.`, `..` or hidden segment, no backslash, no NUL. */
function isPlainRelative(encoded: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    return false;
  }
  if (!decoded || decoded.includes('\\') || decoded.includes('\0')) return false;
  return decoded.split('/').every((seg) => seg !== '' && !seg.startsWith('.'));
}
