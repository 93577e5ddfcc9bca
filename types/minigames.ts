// `bakebot/minigames`: the minigames service's types for a plugin written outside BakeBot. Importing anything from here
// (types only: `import type { … } from 'bakebot/minigames'`) also types `ctx.service('minigames')` in that project,
// because the service's module, which adds `minigames` to PluginServices, becomes part of the program.
export type * from '../plugins/minigames/service.ts';
