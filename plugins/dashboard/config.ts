// The dashboard's settings (`plugins.dashboard` in config/bakebot.yaml). GUI_HOST and GUI_PORT override
// host and port (core/config.ts maps them).
export const DASHBOARD_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    host: {
      type: 'string',
      minLength: 1,
      default: '127.0.0.1',
      description: 'Address the dashboard listens on. 127.0.0.1 keeps it on this computer; 0.0.0.0 opens it to your network (then add the name you use to allowedHosts).',
    },
    port: { type: 'integer', minimum: 0, maximum: 65535, default: 5000, description: 'Port of the dashboard (0 picks a free one).' },
    allowedHosts: {
      type: 'array',
      items: { type: 'string', pattern: '^[A-Za-z0-9.:\\[\\]-]+$' },
      default: [],
      description: 'Extra host names the dashboard answers to (besides its host, localhost, 127.0.0.1 and [::1]), e.g. bakebot.lan.',
    },
    sessionHours: { type: 'integer', minimum: 1, maximum: 720, default: 12, description: 'Hours a login lasts without use (each use extends it).' },
    sessionMaxHours: { type: 'integer', minimum: 1, maximum: 8760, default: 168, description: 'Hours a login lasts at most, however often it is used; then the password is asked again.' },
    loginAttempts: { type: 'integer', minimum: 1, maximum: 100, default: 5, description: 'Wrong passwords allowed per address in 15 minutes (at login and on the Security page).' },
    chartDays: { type: 'integer', minimum: 1, maximum: 365, default: 14, description: 'Days shown in the economy charts.' },
  },
} as const;
