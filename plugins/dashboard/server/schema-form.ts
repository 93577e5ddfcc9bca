// A plugin's settings form, generated from its JSON schema (the same schema the host validates with):
// strings, numbers, integers, booleans, enums and lists of strings get their own inputs; anything else is
// edited as JSON. Submitted forms are turned back into typed values here; validation itself is the host's
// (`ctx.host.saveConfig`), so the dashboard and the config file agree on what is valid.
import type { ConfigIssue } from '../../../core/types.ts';
import { isSecret, redact, unredact } from './masking.ts';

export interface SchemaNode {
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly default?: unknown;
  readonly description?: string;
  readonly title?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly writeOnly?: boolean;
  readonly items?: SchemaNode;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly additionalProperties?: boolean | SchemaNode;
}

export type FieldKind = 'string' | 'secret' | 'number' | 'integer' | 'boolean' | 'enum' | 'list' | 'choices' | 'json';

export interface FormField {
  readonly name: string;
  readonly id: string;
  readonly label: string;
  readonly kind: FieldKind;
  readonly help: string;
  /** Text for the input (or textarea). */
  readonly value: string;
  readonly checked: boolean;
  readonly options: readonly { value: string; label: string; selected: boolean }[];
  readonly min?: number;
  readonly max?: number;
  readonly step?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly defaultText: string;
  readonly error?: string;
  /** Set from an environment variable: editing it here has no effect until that variable is removed. */
  readonly fromEnv?: string;
}

function typeOf(node: SchemaNode): string | undefined {
  return Array.isArray(node.type) ? (node.type as string[]).find((t) => t !== 'null') : (node.type as string | undefined);
}

/**
 * The input a setting gets. A secret (masking.ts) string or number gets a password input that is never
 * filled; any other secret (a list, an object) is edited as JSON with its secrets masked.
 */
export function kindOf(name: string, node: SchemaNode): FieldKind {
  const t = typeOf(node);
  const secret = isSecret(name, node);
  if (secret && (t === 'string' || t === 'integer' || t === 'number')) return 'secret';
  if (node.enum && (t === 'string' || t === undefined) && node.enum.every((v) => typeof v === 'string')) return 'enum';
  if (t === 'string') return 'string';
  if (t === 'integer') return 'integer';
  if (t === 'number') return 'number';
  if (t === 'boolean') return 'boolean';
  if (!secret && t === 'array' && node.items && typeOf(node.items) === 'string') return node.items.enum?.length ? 'choices' : 'list';
  return 'json';
}

/** JSON text of a value with its secrets masked. */
function maskedJson(name: string, node: SchemaNode, value: unknown): string {
  return text(redact(node, value, name));
}

/** What was typed into a JSON field, shown again with its secrets masked (as typed when it does not parse). */
function maskedTyped(name: string, node: SchemaNode, typed: string): string {
  try {
    return maskedJson(name, node, JSON.parse(typed));
  } catch {
    return typed;
  }
}

function labelOf(name: string, node: SchemaNode): string {
  if (node.title) return node.title;
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v, null, 2);
}

function defaultText(kind: FieldKind, node: SchemaNode): string {
  if (node.default === undefined) return '';
  if (kind === 'secret') return '';
  // A long default (a list of shop items) would drown the help text.
  if (kind === 'json') return JSON.stringify(node.default).length <= 60 ? JSON.stringify(node.default) : '';
  if (kind === 'list' || kind === 'choices') return Array.isArray(node.default) && node.default.length ? (node.default as unknown[]).join(', ') : '(none)';
  if (kind === 'boolean') return node.default ? 'on' : 'off';
  return text(node.default);
}

/** Submitted raw values (strings, string arrays) keyed by setting, kept to show a rejected form as typed. */
export type RawForm = Readonly<Record<string, unknown>>;

export function fieldsFor(
  plugin: string,
  schema: SchemaNode,
  current: Readonly<Record<string, unknown>>,
  options: { errors?: Readonly<Record<string, string>>; submitted?: RawForm; fromEnv?: Readonly<Record<string, string>> } = {},
): FormField[] {
  const fields: FormField[] = [];
  for (const [name, node] of Object.entries(schema.properties ?? {})) {
    if (name === 'enabled') continue;
    const kind = kindOf(name, node);
    const sub = options.submitted;
    const raw = sub ? sub[name] : undefined;
    const cur = current[name] ?? node.default;
    let value: string;
    let checked = false;
    let selected: string[] = [];
    if (kind === 'boolean') {
      checked = sub ? raw !== undefined && raw !== '' && raw !== 'false' : cur === true;
      value = 'true';
    } else if (kind === 'list') {
      value = sub ? asStrings(raw).join('\n') : Array.isArray(cur) ? (cur as unknown[]).map(String).join('\n') : '';
    } else if (kind === 'choices') {
      selected = sub ? asStrings(raw) : Array.isArray(cur) ? (cur as unknown[]).map(String) : [];
      value = '';
    } else if (kind === 'secret') {
      value = '';
    } else if (kind === 'json') {
      value = sub ? maskedTyped(name, node, asStrings(raw)[0] ?? '') : maskedJson(name, node, cur);
    } else {
      value = sub ? asStrings(raw)[0] ?? '' : text(cur);
    }
    if (kind === 'enum') selected = [value];
    const enumValues = kind === 'choices' ? node.items?.enum ?? [] : node.enum ?? [];
    const min = node.minimum ?? node.exclusiveMinimum;
    const max = node.maximum ?? node.exclusiveMaximum;
    fields.push({
      name,
      id: `f-${plugin}-${name}`,
      label: labelOf(name, node),
      kind,
      help: node.description ?? '',
      value,
      checked,
      options: enumValues.map((v) => ({ value: String(v), label: String(v), selected: selected.includes(String(v)) })),
      min,
      max,
      step: kind === 'integer' ? '1' : kind === 'number' ? 'any' : undefined,
      minLength: node.minLength,
      maxLength: node.maxLength,
      defaultText: defaultText(kind, node),
      error: options.errors?.[name],
      fromEnv: options.fromEnv?.[name],
    });
  }
  return fields;
}

function asStrings(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map((x) => String(x));
  return [String(v)];
}

/**
 * Turns a submitted form into settings of the right types. Values that cannot even be read (a number
 * field holding "abc", broken JSON) are reported here; everything else is left to the schema.
 * An empty field means "use the default"; an empty secret field keeps the current secret.
 */
export function readForm(schema: SchemaNode, form: RawForm, current: Readonly<Record<string, unknown>>): { values: Record<string, unknown>; errors: Record<string, string> } {
  const values: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const [name, node] of Object.entries(schema.properties ?? {})) {
    if (name === 'enabled') continue;
    const kind = kindOf(name, node);
    const raw = form[name];
    const first = (asStrings(raw)[0] ?? '').trim();
    switch (kind) {
      case 'boolean':
        values[name] = raw !== undefined && first !== '' && first !== 'false';
        break;
      case 'integer':
      case 'number': {
        if (first === '') break;
        const n = Number(first);
        if (!Number.isFinite(n)) errors[name] = 'must be a number';
        else values[name] = n;
        break;
      }
      case 'list':
        values[name] = asStrings(raw)
          .flatMap((s) => s.split(/\r?\n|,/))
          .map((s) => s.trim())
          .filter(Boolean);
        break;
      case 'choices':
        values[name] = asStrings(raw).filter(Boolean);
        break;
      case 'secret': {
        const t = typeOf(node);
        if (first === '') {
          if (current[name] !== undefined) values[name] = current[name];
        } else if (t === 'integer' || t === 'number') {
          const n = Number(first);
          if (!Number.isFinite(n)) errors[name] = 'must be a number';
          else values[name] = n;
        } else values[name] = first;
        break;
      }
      case 'json':
        if (first === '') break;
        try {
          // Masked secrets sent back as they were shown keep the stored values.
          values[name] = unredact(node, JSON.parse(asStrings(raw)[0] ?? '') as unknown, current[name], name);
        } catch {
          errors[name] = 'is not valid JSON';
        }
        break;
      default:
        if (first === '' && node.default !== undefined) break;
        values[name] = asStrings(raw)[0] ?? '';
    }
  }
  return { values, errors };
}

/** Splits the host's issues into per-field messages and the rest. */
export function issuesByField(plugin: string, issues: readonly ConfigIssue[]): { fields: Record<string, string>; other: string[] } {
  const fields: Record<string, string> = {};
  const other: string[] = [];
  const base = `plugins.${plugin}.`;
  for (const i of issues) {
    if (i.path.startsWith(base)) {
      const rest = i.path.slice(base.length);
      const key = rest.split('.')[0] ?? rest;
      const sub = rest.slice(key.length + 1);
      const msg = sub ? `${sub}: ${i.message}` : i.message;
      fields[key] = fields[key] ? `${fields[key]}; ${msg}` : msg;
    } else {
      other.push(`${i.path}: ${i.message}`);
    }
  }
  return { fields, other };
}
