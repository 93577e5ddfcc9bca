// Watching the config file and the plugins' source folders while the bot runs. Editors save as several
// events (write, rename): each key gets one call per burst, 200 ms after the last event.
import path from 'node:path';
import type { FSWatcher } from 'chokidar';
import type { Logger } from './types.ts';

export interface WatchTargets {
  readonly configFile: string;
  /** Folders of plugins loaded from source (not npm packages). */
  readonly dirs: readonly string[];
  readonly onConfig: () => void;
  /** A file under one of `dirs` changed; the host decides which plugin it belongs to. */
  readonly onSource: (file: string) => void;
}

const DEBOUNCE_MS = 200;

export class SourceWatcher {
  private watchers: FSWatcher[] = [];
  private readonly debounce = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly log: Logger) {}

  /** Resolves once the watchers are ready: an edit made after this resolved is never missed. */
  async start(t: WatchTargets): Promise<void> {
    // Imported here: a bot that does not watch never loads it.
    const { watch } = await import('chokidar');
    const ready = (w: FSWatcher) => new Promise<void>((resolve) => w.once('ready', () => resolve()));
    const configWatcher = watch(t.configFile, { ignoreInitial: true });
    configWatcher.on('all', () => this.later('config', t.onConfig));
    configWatcher.on('error', (err) => this.log.warn(`watching the config file failed: ${(err as Error).message}`));
    this.watchers.push(configWatcher);
    const waiting = [ready(configWatcher)];
    const dirs = [...new Set(t.dirs)];
    if (dirs.length) {
      const codeWatcher = watch(dirs, {
        ignoreInitial: true,
        // Only the part inside a plugin's folder counts: a project that lives under a folder named `test`
        // must still reload its plugins.
        ignored: (p: string) => {
          const dir = dirs.find((d) => p === d || p.startsWith(d + path.sep));
          if (!dir) return false;
          const inside = p.slice(dir.length);
          return /[\\/](\.build|node_modules|\.git|test)([\\/]|$)/.test(inside) || /\.(md|log)$/.test(inside);
        },
      });
      codeWatcher.on('all', (_event, file) => t.onSource(file));
      codeWatcher.on('error', (err) => this.log.warn(`watching plugin sources failed: ${(err as Error).message}`));
      this.watchers.push(codeWatcher);
      waiting.push(ready(codeWatcher));
    }
    await Promise.all(waiting);
  }

  /** Calls `fn` once, DEBOUNCE_MS after the last call with the same key. */
  later(key: string, fn: () => void): void {
    if (this.stopped) return;
    clearTimeout(this.debounce.get(key));
    this.debounce.set(
      key,
      setTimeout(() => {
        this.debounce.delete(key);
        if (!this.stopped) fn();
      }, DEBOUNCE_MS),
    );
  }

  async close(): Promise<void> {
    this.stopped = true;
    for (const t of this.debounce.values()) clearTimeout(t);
    this.debounce.clear();
    await Promise.all(this.watchers.map((w) => w.close()));
    this.watchers = [];
  }
}
