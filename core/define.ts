// The one runtime import a plugin makes from core: an identity function that gives `setup` its types.
// It is bundled into each plugin, so it must stay free of state and of other imports.
import type { JSONSchema } from 'json-schema-to-ts';
import type { PluginDefinition } from './types.ts';

export type * from './types.ts';

export function definePlugin<const S extends JSONSchema = { type: 'object'; additionalProperties: false }, Service = void>(
  definition: PluginDefinition<S, Service>,
): PluginDefinition<S, Service> {
  return definition;
}
