// The one runtime import a plugin makes from core: an identity function that gives `setup` its types.
// It is bundled into each plugin, so it must stay free of state and of other imports (PERMISSIONS is a
// frozen constant that schemas and core share, so the list of levels is written once).
import type { JSONSchema } from 'json-schema-to-ts';
import type { PluginDefinition } from './types.ts';

export type * from './types.ts';

/** Permission levels, lowest first: a level includes every level above it (for schemas: `enum: PERMISSIONS`). */
export const PERMISSIONS = Object.freeze(['everyone', 'subscriber', 'vip', 'moderator', 'broadcaster'] as const);

export function definePlugin<const S extends JSONSchema = { type: 'object'; additionalProperties: false }, Service = void>(
  definition: PluginDefinition<S, Service>,
): PluginDefinition<S, Service> {
  return definition;
}
