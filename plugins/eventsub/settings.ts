// The plugin's settings (`plugins.eventsub` in config/bakebot.yaml): one schema for the YAML, ctx.config's type
// and the dashboard's settings form. The key names are a contract other tools rely on (issue 18).
import type { FromSchema } from 'json-schema-to-ts';

const AMOUNTS = {
  tokens: { type: 'integer', minimum: 0, maximum: 1000000, title: 'Tokens', description: 'Tokens credited.' },
  xp: { type: 'integer', minimum: 0, maximum: 1000000, title: 'XP', description: 'XP added.' },
  say: { type: 'string', title: 'Chat line', minLength: 1, maxLength: 400, description: 'Chat line: {user}, {tokens}, {xp}, and per event {input} {reward} {bits} {viewers} {count} {months} {tier}.' },
} as const;

const EVENT_ACTION = {
  type: 'object',
  additionalProperties: false,
  properties: AMOUNTS,
} as const;

export const REWARD_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['title', 'cost'],
  properties: {
    title: { type: 'string', minLength: 1, maxLength: 45, description: 'The reward on Twitch, matched by title (case-insensitive).' },
    cost: { type: 'integer', minimum: 1, maximum: 10000000, description: 'Channel points it costs.' },
    prompt: { type: 'string', maxLength: 200, description: 'Text viewers see under the reward.' },
    userInput: { type: 'boolean', description: 'The viewer types something (it becomes {input}).' },
    ...AMOUNTS,
    effect: { type: 'string', minLength: 1, maxLength: 40, description: "A shop item (id or name) whose effect runs, without charging tokens (the viewer paid in points)." },
    game: { type: 'string', minLength: 1, maxLength: 40, description: 'A mini-game to start (needs the minigames plugin).' },
  },
} as const;

export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    transport: { type: 'string', enum: ['websocket', 'webhook'], default: 'websocket', description: 'websocket needs no public address; webhook needs an HTTPS reverse proxy (publicUrl).' },
    publicUrl: { type: 'string', pattern: '^https://[^\\s/]+(/\\S*)?$', description: 'Webhook only: the public HTTPS address your reverse proxy forwards to EVENTSUB_PORT.' },
    secret: { type: 'string', minLength: 10, maxLength: 100, description: 'Webhook only: the signing secret (EVENTSUB_SECRET), 10-100 characters.' },
    port: { type: 'integer', minimum: 1, maximum: 65535, default: 8081, description: 'Webhook only: local port of the webhook listener (EVENTSUB_PORT).' },
    rewards: { type: 'array', default: [], items: REWARD_SCHEMA, description: 'Channel-point rewards the bot creates (or adopts) and acts on.' },
    follow: { ...EVENT_ACTION, title: 'Follows', description: 'A new follower.' },
    subscribe: { ...EVENT_ACTION, title: 'Subscriptions', description: 'A new sub or a resub (gifted subs credit the gifter instead).' },
    gift: { ...EVENT_ACTION, title: 'Gifted subs', description: 'Gifted subs: per gift, to the gifter.' },
    cheer: { ...EVENT_ACTION, title: 'Cheers', description: 'Cheers: per 100 bits.' },
    raid: {
      type: 'object',
      title: 'Raids',
      additionalProperties: false,
      properties: { ...AMOUNTS, max: { type: 'integer', minimum: 0, title: 'Most per raid', description: 'Most tokens (and XP) one raid earns.' } },
      description: 'An incoming raid: per viewer, to the raiding streamer, capped at max.',
    },
    dedupeDays: { type: 'integer', minimum: 1, maximum: 365, default: 30, description: 'Days an event id is remembered, so a redelivery acts once (also after a restart).' },
    pauseRewardsWhenOff: { type: 'boolean', default: true, description: 'Pause the managed rewards on Twitch while this plugin is off.' },
  },
} as const;

export type EventSubConfig = FromSchema<typeof CONFIG_SCHEMA>;
export type RewardConfig = FromSchema<typeof REWARD_SCHEMA>;
export interface EventAction {
  readonly tokens?: number;
  readonly xp?: number;
  readonly say?: string;
  readonly max?: number;
}
