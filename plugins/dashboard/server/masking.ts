// Secrets in plugin settings, masked wherever the dashboard shows settings (GET /api/config, the forms),
// at any depth and of any type: a value is secret when its schema says `writeOnly` or `format: password`,
// or its name says so (clientSecret, webhookSecret, apiKey, accessToken, password, ...); everything
// inside a secret is secret too. A masked value sent back unchanged keeps the stored secret.
import type { SchemaNode } from './schema-form.ts';

export const REDACTED = '********';

/** Words that make a setting secret wherever they stand in its name. */
const SECRET_WORDS = new Set(['secret', 'secrets', 'password', 'passwords', 'passwd', 'pwd', 'credential', 'credentials', 'apikey', 'apikeys', 'passphrase']);
/** Words that make it secret as the last word only (`accessToken`, `streamKey`; not `tokensPerWin`, `keywords`). */
const SECRET_LAST_WORDS = new Set(['token', 'key', 'keys']);

/** The words of a setting's name: `clientSecret` → client, secret; `api_key` → api, key. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

export function secretName(name: string): boolean {
  const w = words(name);
  return w.some((x) => SECRET_WORDS.has(x)) || SECRET_LAST_WORDS.has(w[w.length - 1] ?? '');
}

export function isSecret(name: string | undefined, node: SchemaNode | undefined): boolean {
  return !!node?.writeOnly || node?.format === 'password' || (name !== undefined && secretName(name));
}

/** The schema of a property of an object node (its `properties`, else an object `additionalProperties`). */
function propertyNode(node: SchemaNode | undefined, key: string): SchemaNode | undefined {
  const own = node?.properties?.[key];
  if (own) return own;
  const extra = (node as { additionalProperties?: unknown } | undefined)?.additionalProperties;
  return extra && typeof extra === 'object' ? (extra as SchemaNode) : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `value` with every secret in it replaced by REDACTED (empty strings and booleans stay: they tell nothing). */
export function redact(node: SchemaNode | undefined, value: unknown, name?: string, inSecret = false): unknown {
  const secret = inSecret || isSecret(name, node);
  if (Array.isArray(value)) return value.map((v) => redact(node?.items, v, undefined, secret));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redact(propertyNode(node, k), v, k, secret);
    return out;
  }
  if (!secret || value === undefined || value === null || value === '' || typeof value === 'boolean') return value;
  return REDACTED;
}

/** A plugin's settings object, masked. */
export function redactSettings(schema: SchemaNode, settings: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return redact(schema, settings) as Record<string, unknown>;
}

/**
 * `input` with every REDACTED that stands where a secret is stored put back to the stored value (objects by
 * key, lists by position). A REDACTED where nothing is stored stays as sent (the schema judges it).
 */
export function unredact(node: SchemaNode | undefined, input: unknown, current: unknown, name?: string, inSecret = false): unknown {
  const secret = inSecret || isSecret(name, node);
  if (input === REDACTED) return secret && current !== undefined ? current : input;
  if (Array.isArray(input)) {
    const cur = Array.isArray(current) ? current : [];
    return input.map((v, i) => unredact(node?.items, v, cur[i], undefined, secret));
  }
  if (isRecord(input)) {
    const cur = isRecord(current) ? current : {};
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input)) out[k] = unredact(propertyNode(node, k), v, cur[k], k, secret);
    return out;
  }
  return input;
}

export function unredactSettings(schema: SchemaNode, input: Record<string, unknown>, current: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return unredact(schema, input, current) as Record<string, unknown>;
}
