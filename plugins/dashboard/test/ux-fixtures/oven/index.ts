// Test fixture for honest saves: settings the schema accepts but setup refuses (temperature 0: "the oven is
// cold"), so a save from the dashboard fails at reload, not at validation.
import { definePlugin } from '../../../../../core/define.ts';

export default definePlugin({
  name: 'oven',
  version: '1.0.0',
  description: 'Test fixture: refuses to start cold.',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: { temperature: { type: 'integer', minimum: 0, default: 180, title: 'Oven temperature', description: 'Degrees.' } },
  } as const,
  setup(ctx) {
    if (ctx.config.temperature === 0) throw new Error('the oven is cold');
  },
});
