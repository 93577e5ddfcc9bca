// `bakebot/commands`: the commands service's types for a plugin written outside BakeBot. Importing anything from here
// (types only: `import type { … } from 'bakebot/commands'`) also types `ctx.service('commands')` in that project,
// because the service's module, which adds `commands` to PluginServices, becomes part of the program.
export type * from '../plugins/commands/service.ts';
