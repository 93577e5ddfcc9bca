// `bakebot/overlays`: the overlays service's types for a plugin written outside BakeBot. Importing anything from here
// (types only: `import type { … } from 'bakebot/overlays'`) also types `ctx.service('overlays')` in that project,
// because the service's module, which adds `overlays` to PluginServices, becomes part of the program.
export type * from '../plugins/overlays/service.ts';
