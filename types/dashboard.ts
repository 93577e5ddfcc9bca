// `bakebot/dashboard`: the dashboard service's types for a plugin written outside BakeBot. Importing anything from here
// (types only: `import type { … } from 'bakebot/dashboard'`) also types `ctx.service('dashboard')` in that project,
// because the service's module, which adds `dashboard` to PluginServices, becomes part of the program.
export type * from '../plugins/dashboard/service.ts';
