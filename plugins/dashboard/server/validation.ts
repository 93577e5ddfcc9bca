// JSON request bodies of the API, each checked against a JSON schema (ajv) before it is used. A bad body
// is answered 400 `{ error }` naming the field.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { JSONSchema } from 'json-schema-to-ts';
import { CodedError } from '../../../core/errors.ts';

/** A body that does not match its schema: 400 `{ error, code: 'INVALID_BODY', details: { errors } }`. */
export class BadRequest extends CodedError {
  readonly expose = true;
  constructor(message: string, errors?: readonly string[]) {
    super('INVALID_BODY', message, { status: 400, ...(errors ? { details: { errors } } : {}) });
  }
}

export const BODY_SCHEMAS = {
  saveConfig: {
    type: 'object',
    additionalProperties: false,
    required: ['plugin', 'settings'],
    properties: { plugin: { type: 'string', minLength: 1 }, settings: { type: 'object' } },
  },
  pluginConfig: { type: 'object' },
  chat: {
    type: 'object',
    additionalProperties: false,
    required: ['login', 'text'],
    properties: {
      login: { type: 'string', pattern: '^@?[A-Za-z0-9_]{1,25}$' },
      text: { type: 'string', minLength: 1, maxLength: 500 },
      displayName: { type: 'string', maxLength: 50 },
      roles: { type: 'array', uniqueItems: true, items: { enum: ['broadcaster', 'moderator', 'vip', 'subscriber', 'founder'] } },
      bits: { type: 'integer', minimum: 0, maximum: 100000 },
    },
  },
  createToken: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: { name: { type: 'string', minLength: 1, maxLength: 60 } },
  },
} as const;

export type BodyName = keyof typeof BODY_SCHEMAS;

function describe(e: ErrorObject): string {
  const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : 'body';
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return `${where === 'body' ? '' : `${where}.`}${String(params.additionalProperty)} is not a known field`;
    case 'required':
      return `${where === 'body' ? '' : `${where}.`}${String(params.missingProperty)} is required`;
    case 'enum':
      return `${where} must be one of: ${(params.allowedValues as unknown[]).join(', ')}`;
    case 'minProperties':
      return 'the body names nothing to change';
    default:
      return `${where} ${e.message ?? 'is invalid'}`;
  }
}

export class BodyValidator {
  private readonly ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false });
  private readonly compiled = new Map<BodyName, ValidateFunction>();
  /** Schemas given with plugins' routes, compiled on first use (compiling all at start costs each start). */
  private readonly given = new WeakMap<object, ValidateFunction>();

  /** Returns the body when it matches `schema` (a route's bodySchema); throws BadRequest otherwise. */
  checkSchema<T>(schema: JSONSchema, body: unknown): T {
    if (typeof schema !== 'object') return body as T;
    let validate = this.given.get(schema);
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.given.set(schema, validate);
    }
    return this.run<T>(validate, body);
  }

  /** Returns the body typed as T when it matches the named schema; throws BadRequest otherwise. */
  check<T>(name: BodyName, body: unknown): T {
    let validate = this.compiled.get(name);
    if (!validate) {
      validate = this.ajv.compile(BODY_SCHEMAS[name]);
      this.compiled.set(name, validate);
    }
    return this.run<T>(validate, body);
  }

  private run<T>(validate: ValidateFunction, body: unknown): T {
    if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('the body must be a JSON object');
    if (!validate(body)) {
      const errors = (validate.errors ?? []).map(describe);
      throw new BadRequest(errors.join('; ') || 'the body is invalid', errors);
    }
    return body as T;
  }
}
