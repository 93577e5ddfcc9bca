// The settings of the commands plugin: one schema for the YAML, ctx.config's type and the dashboard's form.
// The keys `commands` and `timers` (and their fields) are named by the issue: other tools rely on them.
export const PERMISSION_NAMES = ['everyone', 'subscriber', 'vip', 'moderator', 'broadcaster'] as const;
export const COMMAND_NAME = '^[\\p{L}\\p{N}_-]{1,32}$';

export const COMMAND_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['response'],
  properties: {
    response: { type: 'string', minLength: 1, maxLength: 500, description: 'What the bot answers; variables like {user}, {count}, {random:a|b} are filled in.' },
    permission: { type: 'string', enum: PERMISSION_NAMES, default: 'everyone', description: 'Who may use it.' },
    cooldown: { type: 'number', minimum: 0, maximum: 86400, description: "Seconds one viewer waits between uses (default: the bot's commandCooldown)." },
    globalCooldown: { type: 'number', minimum: 0, maximum: 86400, default: 0, description: 'Seconds everyone waits after any use.' },
    aliases: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 32 }, uniqueItems: true, default: [], description: 'Other names for it.' },
    cost: { type: 'integer', minimum: 0, maximum: 1000000, default: 0, description: 'Tokens a use costs (needs the economy plugin); 0: free.' },
    enabled: { type: 'boolean', default: true },
  },
} as const;

export const TIMER_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['message', 'minutes'],
  properties: {
    message: { type: 'string', minLength: 1, maxLength: 500, description: 'What the bot posts; {channel}, {uptime} and {random:a|b} work here.' },
    minutes: { type: 'number', minimum: 1, maximum: 1440, description: 'Minutes between two posts.' },
    minLines: { type: 'integer', minimum: 0, maximum: 10000, default: 5, description: 'Chat lines that must have passed since the last post (no talking to an empty chat).' },
    enabled: { type: 'boolean', default: true },
  },
} as const;

export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    commands: {
      type: 'object',
      default: {},
      propertyNames: { pattern: COMMAND_NAME },
      additionalProperties: COMMAND_SCHEMA,
      description: 'Custom commands by name (without the prefix). Moderators add more from chat with !addcom (kept in the database).',
    },
    timers: {
      type: 'object',
      default: {},
      propertyNames: { pattern: '^[a-z0-9][a-z0-9_-]{0,31}$' },
      additionalProperties: TIMER_SCHEMA,
      description: 'Timed messages by name.',
    },
    managePermission: { type: 'string', enum: PERMISSION_NAMES, default: 'moderator', description: 'Who may use !addcom, !editcom and !delcom.' },
  },
} as const;
