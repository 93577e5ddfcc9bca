// The economy's settings: one JSON schema for the config file, the loader's validation and the dashboard's
// settings form. Defaults follow the product spec (XP_PER_PARTICIPATION, DAILY_BONUS_BASE, ...).
import type { ConfigOf, SettingsIssue } from '../../core/types.ts';

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    xpPerParticipation: { title: 'XP per chat message', type: 'integer', minimum: 0, maximum: 1000, default: 1, description: 'XP for chatting, at most once per participationCooldown.' },
    participationCooldown: { title: 'Seconds between XP for chatting', type: 'integer', minimum: 0, maximum: 3600, default: 15, description: 'Seconds between two chat messages that earn XP, per viewer.' },
    xpPerWin: { title: 'XP per game won', type: 'integer', minimum: 0, maximum: 100000, default: 25, description: 'XP for winning a game.' },
    tokensPerWin: { title: 'Tokens per game won', type: 'integer', minimum: 0, maximum: 100000, default: 5, description: 'Tokens for winning a game.' },
    dailyBonusBase: { title: '!daily bonus', type: 'integer', minimum: 0, maximum: 100000, default: 10, description: 'Tokens for !daily on the first day of a streak.' },
    dailyStreakMax: { title: 'Largest streak bonus', type: 'integer', minimum: 0, maximum: 10000, default: 20, description: 'Largest streak bonus: !daily pays dailyBonusBase + min(streak days - 1, dailyStreakMax).' },
    hourlyBonus: { title: '!hourly bonus', type: 'integer', minimum: 0, maximum: 100000, default: 3, description: 'Tokens for !hourly, claimable again 60 minutes after the last claim (a rolling hour, not the clock hour).' },
    workCooldown: { title: 'Seconds between two !work', type: 'integer', minimum: 0, maximum: 86400, default: 300, description: 'Seconds between two !work.' },
    workRewardMin: { title: 'Smallest !work reward', type: 'integer', minimum: 0, maximum: 100000, default: 1, description: 'Smallest !work reward.' },
    workRewardMax: { title: 'Largest !work reward', type: 'integer', minimum: 0, maximum: 100000, default: 10, description: 'Largest !work reward.' },
    levelBase: { title: 'XP to reach level 2', type: 'integer', minimum: 1, maximum: 1000000, default: 100, description: 'XP to reach level 2. Level L starts at floor(levelBase * (L - 1) ^ levelGrowth) XP.' },
    levelGrowth: { title: 'Level growth', type: 'number', minimum: 1, maximum: 4, default: 1.5, description: 'How much steeper each level gets (1 = every level costs levelBase).' },
    announceLevelUps: { title: 'Announce level-ups in chat', type: 'boolean', default: true, description: 'Say in chat when a viewer reaches a new level by chatting (a line at most every 10 s; the level-ups in between are said together in the next one).' },
    currencyName: { title: 'Currency name (plural)', type: 'string', minLength: 1, maxLength: 30, default: 'tokens', description: 'Name of the currency (plural).' },
    currencySingular: { title: 'Currency name (one)', type: 'string', minLength: 1, maxLength: 30, default: 'token', description: 'Name of one unit of the currency.' },
    timezone: { title: 'Time zone', type: 'string', minLength: 1, default: 'UTC', description: 'IANA time zone that decides when a day starts for !daily, e.g. Europe/Berlin.' },
  },
} as const;

export type EconomyConfig = ConfigOf<typeof configSchema>;

/** Checks what the schema cannot (the plugin's `checkConfig`): each issue names its setting. */
/**
 * A time zone Intl knows. The list is asked first: building the first formatter loads ICU's locale data
 * (about 25 ms), which the economy then does after the bot's ready line instead of in every start's check.
 */
function knownTimeZone(zone: string): boolean {
  if (zone === 'UTC' || Intl.supportedValuesOf('timeZone').includes(zone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone }); // aliases the list leaves out (US/Eastern, Etc/GMT+2)
    return true;
  } catch {
    return false;
  }
}

export function settingsIssues(config: EconomyConfig): SettingsIssue[] {
  const issues: SettingsIssue[] = [];
  if (!knownTimeZone(config.timezone)) {
    issues.push({ path: 'timezone', message: `"${config.timezone}" is not a known IANA time zone; use a name like "UTC", "Europe/Berlin" or "America/New_York"` });
  }
  if (config.workRewardMin > config.workRewardMax) {
    issues.push({ path: 'workRewardMin', message: `${config.workRewardMin} is larger than workRewardMax (${config.workRewardMax}); the smallest !work reward cannot be above the largest` });
  }
  return issues;
}

/** The first issue as one message for the streamer, or undefined when the settings are fine. */
export function settingsProblem(config: EconomyConfig): string | undefined {
  const first = settingsIssues(config)[0];
  return first ? `plugins.economy.${first.path}: ${first.message}` : undefined;
}
