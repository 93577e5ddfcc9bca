// A plugin's settings form, generated from its JSON schema (the same schema the host validates with):
// strings, numbers, integers, booleans, enums and lists of strings get their own inputs; an object with
// `properties` becomes a group (a fieldset, its `title` as legend) of its own fields, named by their dotted
// path (`trivia.maxRounds`); anything else is edited as JSON. Labels are the schema's `title` (else the key),
// help its `description`. Submitted forms are turned back into typed values here; validation itself is the host's
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
  readonly required?: readonly string[];
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
  /** The titles of the groups it is in ("Trivia"), for the error summary. */
  readonly context?: string;
}

/** A nested object's settings, shown together under its title. */
export interface FormGroup {
  readonly group: true;
  /** Dotted path of the object (`trivia`, `raid`). */
  readonly name: string;
  readonly id: string;
  readonly legend: string;
  readonly help: string;
  /** A problem with the object as a whole (a missing or unknown property). */
  readonly error?: string;
  readonly items: readonly FormItem[];
}

export type FormItem = FormField | FormGroup;

export function isGroup(item: FormItem): item is FormGroup {
  return 'group' in item;
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

/** A nested object edited as a group of fields: it has properties, no schema for other keys, and is no secret. */
export function isGroupNode(name: string, node: SchemaNode): boolean {
  return typeOf(node) === 'object' && !!node.properties && Object.keys(node.properties).length > 0 && typeof node.additionalProperties !== 'object' && !isSecret(name, node);
}

function record(v: unknown): Readonly<Record<string, unknown>> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export interface FormOptions {
  /** Problems by dotted setting path (a field's or a group's). */
  readonly errors?: Readonly<Record<string, string>>;
  readonly submitted?: RawForm;
  readonly fromEnv?: Readonly<Record<string, string>>;
}

/** The form of a plugin's settings: fields, and groups of fields for nested objects. */
export function formFor(plugin: string, schema: SchemaNode, current: Readonly<Record<string, unknown>>, options: FormOptions = {}): FormItem[] {
  return itemsOf(plugin, schema, current, options, '', '');
}

function itemsOf(plugin: string, schema: SchemaNode, current: Readonly<Record<string, unknown>>, options: FormOptions, prefix: string, context: string): FormItem[] {
  const items: FormItem[] = [];
  for (const [key, node] of Object.entries(schema.properties ?? {})) {
    // The plugin's own on/off switch is the page's switch, not a setting.
    if (!prefix && key === 'enabled') continue;
    const name = prefix ? `${prefix}.${key}` : key;
    const id = `f-${plugin}-${name.replace(/\./g, '-')}`;
    if (isGroupNode(key, node)) {
      const legend = labelOf(key, node);
      const inner = itemsOf(plugin, node, record(current[key] ?? node.default), options, name, context ? `${context} › ${legend}` : legend);
      items.push({ group: true, name, id, legend, help: node.description ?? '', error: options.errors?.[name], items: inner });
      continue;
    }
    const field = fieldOf(name, key, id, node, current[key] ?? node.default, options);
    items.push(context ? { ...field, context } : field);
  }
  return items;
}

function fieldOf(name: string, key: string, id: string, node: SchemaNode, cur: unknown, options: FormOptions): FormField {
  const kind = kindOf(key, node);
  const sub = options.submitted;
  const raw = sub ? submittedValue(sub, name) : undefined;
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
    value = sub ? maskedTyped(key, node, asStrings(raw)[0] ?? '') : maskedJson(key, node, cur);
  } else {
    value = sub ? asStrings(raw)[0] ?? '' : text(cur);
  }
  if (kind === 'enum') selected = [value];
  const enumValues = kind === 'choices' ? node.items?.enum ?? [] : node.enum ?? [];
  const min = node.minimum ?? node.exclusiveMinimum;
  const max = node.maximum ?? node.exclusiveMaximum;
  return {
    name,
    id,
    label: labelOf(key, node),
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
  };
}

/** Every field of a form, groups opened (in page order). */
export function flatFields(items: readonly FormItem[]): FormField[] {
  return items.flatMap((i) => (isGroup(i) ? flatFields(i.items) : [i]));
}

/** Every group of a form, nested ones too (in page order). */
export function flatGroups(items: readonly FormItem[]): FormGroup[] {
  return items.flatMap((i) => (isGroup(i) ? [i, ...flatGroups(i.items)] : []));
}

/** The form's fields in one list (groups opened). */
export function fieldsFor(plugin: string, schema: SchemaNode, current: Readonly<Record<string, unknown>>, options: FormOptions = {}): FormField[] {
  return flatFields(formFor(plugin, schema, current, options));
}

/**
 * What was submitted for a dotted name: the body parser (qs) turns `trivia.maxRounds` into
 * `{ trivia: { maxRounds } }`, a plain form decoder keeps the name as it is; both are read.
 */
function submittedValue(form: RawForm, name: string): unknown {
  if (name in form) return form[name];
  let v: unknown = form;
  for (const seg of name.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[seg];
  }
  return v;
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
  readInto(schema, form, current, '', values, errors);
  return { values, errors };
}

function readInto(schema: SchemaNode, form: RawForm, current: Readonly<Record<string, unknown>>, prefix: string, values: Record<string, unknown>, errors: Record<string, string>): void {
  for (const [key, node] of Object.entries(schema.properties ?? {})) {
    if (!prefix && key === 'enabled') continue;
    const name = prefix ? `${prefix}.${key}` : key;
    if (isGroupNode(key, node)) {
      const now = record(current[key]);
      // Keys the form does not show (the schema allows others) are kept as they are.
      const inner: Record<string, unknown> = {};
      if (node.additionalProperties !== false) for (const [k, v] of Object.entries(now)) if (!(k in (node.properties ?? {}))) inner[k] = v;
      readInto(node, form, now, name, inner, errors);
      // A group left empty that was not set before stays unset (the plugin's defaults apply).
      if (Object.keys(inner).length || current[key] !== undefined) values[key] = inner;
      continue;
    }
    const kind = kindOf(key, node);
    const raw = submittedValue(form, name);
    const first = (asStrings(raw)[0] ?? '').trim();
    switch (kind) {
      case 'boolean':
        values[key] = raw !== undefined && first !== '' && first !== 'false';
        break;
      case 'integer':
      case 'number': {
        if (first === '') break;
        const n = Number(first);
        if (!Number.isFinite(n)) errors[name] = 'must be a number';
        else values[key] = n;
        break;
      }
      case 'list':
        values[key] = asStrings(raw)
          .flatMap((s) => s.split(/\r?\n|,/))
          .map((s) => s.trim())
          .filter(Boolean);
        break;
      case 'choices':
        values[key] = asStrings(raw).filter(Boolean);
        break;
      case 'secret': {
        const t = typeOf(node);
        if (first === '') {
          if (current[key] !== undefined) values[key] = current[key];
        } else if (t === 'integer' || t === 'number') {
          const n = Number(first);
          if (!Number.isFinite(n)) errors[name] = 'must be a number';
          else values[key] = n;
        } else values[key] = first;
        break;
      }
      case 'json':
        if (first === '') break;
        try {
          // Masked secrets sent back as they were shown keep the stored values.
          values[key] = unredact(node, JSON.parse(asStrings(raw)[0] ?? '') as unknown, current[key], key);
        } catch {
          errors[name] = 'is not valid JSON';
        }
        break;
      default:
        // Inside a group an empty text means "not set" (an object's optional key), as an empty number does.
        if (first === '' && (node.default !== undefined || (prefix && !schema.required?.includes(key)))) break;
        values[key] = asStrings(raw)[0] ?? '';
    }
  }
}

/**
 * Splits the host's issues into per-field messages and the rest. With the schema, an issue inside a group
 * goes to the field it names (`trivia.maxRounds`), or to the group itself.
 */
export function issuesByField(plugin: string, issues: readonly ConfigIssue[], schema?: SchemaNode): { fields: Record<string, string>; other: string[] } {
  const fields: Record<string, string> = {};
  const other: string[] = [];
  const base = `plugins.${plugin}.`;
  for (const i of issues) {
    if (i.path.startsWith(base)) {
      const rest = i.path.slice(base.length);
      const key = schema ? settingOf(schema, rest) : rest.split('.')[0] ?? rest;
      const sub = rest.slice(key.length + 1);
      const msg = sub ? `${sub}: ${i.message}` : i.message;
      fields[key] = fields[key] ? `${fields[key]}; ${msg}` : msg;
    } else {
      other.push(`${i.path}: ${i.message}`);
    }
  }
  return { fields, other };
}

/** The form's setting a dotted path falls in: down through groups to a field, or the deepest group. */
function settingOf(schema: SchemaNode, path: string): string {
  const segs = path.split('.');
  const taken: string[] = [];
  let node: SchemaNode | undefined = schema;
  for (const seg of segs) {
    const child: SchemaNode | undefined = node?.properties?.[seg];
    if (!child) break;
    taken.push(seg);
    if (!isGroupNode(seg, child)) break;
    node = child;
  }
  return taken.length ? taken.join('.') : segs[0] ?? path;
}
