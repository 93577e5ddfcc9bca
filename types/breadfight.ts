// `bakebot/breadfight`: the breadfight service's types for a plugin written outside BakeBot. Importing anything from here
// (types only: `import type { … } from 'bakebot/breadfight'`) also types `ctx.service('breadfight')` in that project,
// because the service's module, which adds `breadfight` to PluginServices, becomes part of the program.
export type * from '../plugins/breadfight/service.ts';
