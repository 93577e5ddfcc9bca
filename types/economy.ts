// `bakebot/economy`: the economy service's types for a plugin written outside BakeBot. Importing anything from here
// (types only: `import type { … } from 'bakebot/economy'`) also types `ctx.service('economy')` in that project,
// because the service's module, which adds `economy` to PluginServices, becomes part of the program.
export type * from '../plugins/economy/service.ts';
