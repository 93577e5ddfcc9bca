// Stack traces of core compiled ahead (.build/main.mjs) name core's own files and lines, mapped through the
// build's source map when a stack is made. Node's own support (`setSourceMapsEnabled`) read and decoded the
// whole map at every start (about 17 ms of it). Plain JavaScript: core/start.mjs runs before anything is built.
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** From now on, frames in `bundle` (an ES module file with `<bundle>.map` beside it) show the original place. */
export function mapStacks(bundle) {
  const url = pathToFileURL(bundle).href;
  let map;
  const original = (line, column) => {
    try {
      map ??= new SourceMap(JSON.parse(readFileSync(`${bundle}.map`, 'utf8')));
      const hit = map.findEntry(line - 1, column - 1);
      return hit.originalSource ? `${path.resolve(path.dirname(bundle), hit.originalSource)}:${hit.originalLine + 1}:${hit.originalColumn + 1}` : undefined;
    } catch {
      return undefined;
    }
  };
  const frame = new RegExp(`${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):(\\d+)`);
  Error.prepareStackTrace = (err, frames) => {
    let head;
    try {
      head = err instanceof Error ? Error.prototype.toString.call(err) : String(err);
    } catch {
      head = 'Error';
    }
    return head + frames.map((f) => `\n    at ${String(f).replace(frame, (whole, line, column) => original(Number(line), Number(column)) ?? whole)}`).join('');
  };
}
