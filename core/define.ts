// The one runtime import a plugin makes from core: an identity function that gives `setup` its types, and
// the few pure rules a plugin may need to act as core does (permission levels, splitting arguments). It is
// bundled into each plugin, so it must stay free of state and of other imports (PERMISSIONS is a frozen
// constant that schemas and core share, so the list of levels is written once).
import type { JSONSchema } from 'json-schema-to-ts';
import type { Permission, PluginDefinition, Role } from './types.ts';

export type * from './types.ts';

/** Permission levels, lowest first: a level includes every level above it (for schemas: `enum: PERMISSIONS`). */
export const PERMISSIONS = Object.freeze(['everyone', 'subscriber', 'vip', 'moderator', 'broadcaster'] as const);

/** The highest permission level a viewer's roles give (founders count as subscribers). */
export function permissionOf(roles: readonly Role[]): Permission {
  if (roles.includes('broadcaster')) return 'broadcaster';
  if (roles.includes('moderator')) return 'moderator';
  if (roles.includes('vip')) return 'vip';
  if (roles.includes('subscriber') || roles.includes('founder')) return 'subscriber';
  return 'everyone';
}

/** Whether a viewer at level `has` may use what needs level `needs`. */
export function allows(has: Permission, needs: Permission): boolean {
  return PERMISSIONS.indexOf(has) >= PERMISSIONS.indexOf(needs);
}

/**
 * Splits a command's arguments as core does for `call.args`: on white space, "double quotes" (straight or
 * curly) grouping words, `@name` becoming `name`, in lower case as a login unless `mentionsAsTyped`.
 */
export function parseArgs(rest: string, options: { readonly mentionsAsTyped?: boolean } = {}): string[] {
  const out: string[] = [];
  for (const m of rest.matchAll(/["“”]([^"“”]*)["“”]?|(\S+)/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(/^@\w+$/.test(m[2]) ? (options.mentionsAsTyped ? m[2].slice(1) : m[2].slice(1).toLowerCase()) : m[2]);
  }
  return out;
}

export function definePlugin<const S extends JSONSchema = { type: 'object'; additionalProperties: false }, Service = void>(
  definition: PluginDefinition<S, Service>,
): PluginDefinition<S, Service> {
  return definition;
}
