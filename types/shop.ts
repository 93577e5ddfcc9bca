// `bakebot/shop`: the shop service's types for a plugin written outside BakeBot. Importing anything from here
// (types only: `import type { … } from 'bakebot/shop'`) also types `ctx.service('shop')` in that project,
// because the service's module, which adds `shop` to PluginServices, becomes part of the program.
export type * from '../plugins/shop/service.ts';
