// One error model for the bot and its plugins: an error carries a `code` that code checks and a `message` a
// streamer understands (plus an HTTP `status` and `details` where a web answer needs them).
//
// Errors cross plugin boundaries and hot reloads, where `instanceof` fails (a reloaded plugin's class is a
// new one), so everything here checks the `code` property, never the class. This module holds no state and
// core never reloads: like definePlugin, a plugin may import these functions at runtime.

/** The shape every coded error has, whichever class (or plain object) made it. */
export interface Coded {
  readonly code: string;
  readonly message: string;
  /** The HTTP status a web answer uses for it (the dashboard's API). */
  readonly status?: number;
  /** Structured facts for a program (e.g. `{ issues }` of a rejected settings save). */
  readonly details?: unknown;
}

/** Codes core and the dashboard use; plugins add their own (`INSUFFICIENT_FUNDS`, `OUT_OF_STOCK` …). */
export const ERROR_CODES = {
  /** A request body or argument is malformed or fails its schema. */
  INVALID_BODY: 400,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  /** Plugin states (PluginInfo.errorCode). */
  DEPENDENCY_CYCLE: 500,
  DEPENDENCY_MISSING: 500,
  /** A plugin waits for a dependency that is disabled or not running. */
  DEPENDENCY_WAITING: 503,
  /** A running plugin's command or hook tap threw (PluginInfo.errorCode while it keeps running). */
  PLUGIN_ERROR: 500,
  INVALID_SETTINGS: 500,
  INVALID_SCHEMA: 500,
  LOAD_FAILED: 500,
  SETUP_FAILED: 500,
  RELOAD_FAILED: 500,
} as const;
export type CoreErrorCode = keyof typeof ERROR_CODES;

/** The default code for an HTTP status without one. */
export function codeForStatus(status: number): string {
  switch (status) {
    case 400: return 'BAD_REQUEST';
    case 401: return 'UNAUTHORIZED';
    case 403: return 'FORBIDDEN';
    case 404: return 'NOT_FOUND';
    case 409: return 'CONFLICT';
    case 413: return 'TOO_LARGE';
    case 429: return 'RATE_LIMITED';
    case 503: return 'UNAVAILABLE';
    default: return status >= 500 ? 'INTERNAL' : 'BAD_REQUEST';
  }
}

export class CodedError extends Error implements Coded {
  readonly code: string;
  readonly status?: number;
  readonly details?: unknown;

  constructor(code: string, message: string, options: { status?: number; details?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CodedError';
    this.code = code;
    if (options.status !== undefined) this.status = options.status;
    if (options.details !== undefined) this.details = options.details;
  }
}

/** Whether `err` carries a code (any code, or the one given): checked by property, so it works across reloads. */
export function isCoded(err: unknown, code?: string): err is Coded {
  if (typeof err !== 'object' || err === null) return false;
  const c = (err as { code?: unknown }).code;
  if (typeof c !== 'string' || !c) return false;
  return code === undefined || c === code;
}

/** A readable message for whatever was thrown (an Error, a string, an object with `message`, anything). */
export function errorMessage(err: unknown): string {
  if (typeof err === 'string') return err;
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === 'object' && err !== null) {
    const m = (err as { message?: unknown }).message;
    if (typeof m === 'string') return m;
    try {
      return JSON.stringify(err);
    } catch {
      return String(err);
    }
  }
  return String(err);
}
