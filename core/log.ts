// Structured, leveled logging: one line per entry on stderr for people, and a ring of recent entries
// (with live listeners) for the dashboard's logs page.
import type { LogEntry, Logger, LogLevel } from './types.ts';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const ALIASES: Record<string, LogLevel> = { warning: 'warn', critical: 'error', fatal: 'error', trace: 'debug' };

export function parseLogLevel(value: string | undefined, fallback: LogLevel = 'info'): LogLevel {
  if (!value) return fallback;
  const v = value.trim().toLowerCase();
  if (v in RANK) return v as LogLevel;
  return ALIASES[v] ?? fallback;
}

export interface LogSinkOptions {
  level?: LogLevel;
  keep?: number;
  /** Where lines go; tests pass a no-op to keep their output clean. */
  write?: (line: string) => void;
}

export class LogHub {
  level: LogLevel;
  private readonly ring: LogEntry[] = [];
  private readonly keep: number;
  private readonly listeners = new Set<(e: LogEntry) => void>();
  private readonly write: (line: string) => void;

  constructor(options: LogSinkOptions = {}) {
    this.level = options.level ?? 'info';
    this.keep = options.keep ?? 1000;
    this.write = options.write ?? ((line) => process.stderr.write(line + '\n'));
  }

  logger(source: string): Logger {
    const emit = (level: LogLevel) => (msg: string, data?: Record<string, unknown>) => this.add(level, source, msg, data);
    return {
      debug: emit('debug'),
      info: emit('info'),
      warn: emit('warn'),
      error: emit('error'),
      child: (sub) => this.logger(source ? `${source}:${sub}` : sub),
      terminalOnly: (msg) => this.terminalOnly(source, msg),
    };
  }

  recent(): readonly LogEntry[] {
    return this.ring.slice();
  }

  onEntry(listener: (e: LogEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Written out, and nothing else: not in the ring, not to listeners (see Logger.terminalOnly). */
  terminalOnly(source: string, msg: string): void {
    this.write(formatLine({ time: Date.now(), level: 'warn', source, msg }));
  }

  private add(level: LogLevel, source: string, msg: string, data?: Record<string, unknown>): void {
    if (RANK[level] < RANK[this.level]) return;
    const entry: LogEntry = data ? { time: Date.now(), level, source, msg, data: safeData(data) } : { time: Date.now(), level, source, msg };
    this.ring.push(entry);
    if (this.ring.length > this.keep) this.ring.splice(0, this.ring.length - this.keep);
    this.write(formatLine(entry));
    for (const l of this.listeners) {
      try {
        l(entry);
      } catch {
        // A broken listener (a closed SSE stream) must not break logging.
      }
    }
  }
}

// Errors do not serialize to JSON; keep what a person needs to read.
function safeData(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    out[k] = v instanceof Error ? { message: v.message, stack: v.stack } : v;
  }
  return out;
}

export function formatLine(e: LogEntry): string {
  const time = new Date(e.time).toISOString();
  let line = `${time} ${e.level.toUpperCase().padEnd(5)} ${e.source ? `[${e.source}] ` : ''}${e.msg}`;
  if (e.data) {
    for (const [k, v] of Object.entries(e.data)) {
      if (v && typeof v === 'object' && 'stack' in v && typeof v.stack === 'string' && e.level === 'error') {
        line += `\n${v.stack}`;
      } else {
        line += ` ${k}=${typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v)}`;
      }
    }
  }
  return line;
}
