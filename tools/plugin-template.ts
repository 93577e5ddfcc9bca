// The files `npm run new-plugin` writes, by path. Kept to what a first plugin needs, each file a working
// example of one part of the API (docs/plugins.md explains them).

export interface TemplateOptions {
  readonly name: string;
  /** How the plugin's package.json depends on bakebot (`file:../bakebot`, or a version). */
  readonly bakebot: string;
  /** BakeBot's own versions of the tools the plugin's tests use. */
  readonly versions: Readonly<Record<string, string>>;
}

const TOOLS = ['@types/chai', '@types/mocha', '@types/node', 'chai', 'mocha', 'tsx', 'typescript'];

export function pluginFiles(o: TemplateOptions): Record<string, string> {
  const service = `${o.name[0]!.toUpperCase()}${o.name.slice(1).replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())}Service`;
  const devDependencies: Record<string, string> = { bakebot: o.bakebot };
  for (const tool of TOOLS) devDependencies[tool] = o.versions[tool] ?? '*';
  return {
    'package.json': `${JSON.stringify(
      {
        name: `bakebot-plugin-${o.name.replace(/_/g, '-')}`,
        version: '0.1.0',
        description: `A BakeBot plugin: !${o.name}.`,
        private: true,
        type: 'module',
        exports: './index.ts',
        scripts: { test: "mocha --import=tsx --timeout 20000 --exit 'test/**/*.test.ts'", typecheck: 'tsc --noEmit -p .' },
        peerDependencies: { bakebot: '*' },
        devDependencies,
      },
      null,
      2,
    )}\n`,
    'tsconfig.json': `${JSON.stringify({ extends: 'bakebot/tsconfig.json', compilerOptions: { types: ['node', 'mocha'] }, include: ['**/*.ts'], exclude: ['node_modules', '.build'] }, null, 2)}\n`,
    'index.ts': `// The ${o.name} plugin: !${o.name} greets a viewer and counts their visits (a table of its own), and offers
// the count to other plugins as its service.
import { definePlugin, type PluginDb } from 'bakebot/plugin';

export interface ${service} {
  /** How many times a viewer used !${o.name}. */
  visits(userId: string): Promise<number>;
}

// Other plugins that list '${o.name}' in dependsOn get ctx.service('${o.name}') typed.
declare module 'bakebot/plugin' {
  interface PluginServices {
    ${o.name}: ${service};
  }
}

function visitsOf(db: PluginDb) {
  return async (userId: string): Promise<number> =>
    (await db.get<{ visits: number }>('SELECT visits FROM ${o.name}_visits WHERE user_id = ?', [userId]))?.visits ?? 0;
}

export default definePlugin({
  name: '${o.name}',
  version: '0.1.0',
  description: 'Greets viewers and counts their visits.',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      greeting: { type: 'string', minLength: 1, maxLength: 100, default: 'Hello', description: 'The first word of the reply.' },
    },
  },
  migrations: 'migrations',
  setup(ctx) {
    const visits = visitsOf(ctx.db);
    ctx.commands.register({
      name: '${o.name}',
      description: 'Greets you and says how often you came by.',
      async run(call) {
        await ctx.db.run(
          'INSERT INTO ${o.name}_visits (user_id, visits) VALUES (?, 1) ON CONFLICT (user_id) DO UPDATE SET visits = visits + 1',
          [call.user.id],
        );
        const n = await visits(call.user.id);
        await call.reply(\`\${ctx.config.greeting}, \${call.user.displayName}! Visit number \${n}.\`);
      },
    });
    const service: ${service} = { visits };
    return service;
  },
});
`,
    [`migrations/001-${o.name}.sql`]: `-- Up
CREATE TABLE ${o.name}_visits (
  user_id TEXT PRIMARY KEY,
  visits INTEGER NOT NULL
);

-- Down
DROP TABLE ${o.name}_visits;
`,
    [`test/${o.name}.test.ts`]: `// The plugin in a real bot (real SQLite file, the local chat, a fake clock): what a viewer sees.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { FakeClock, startTestBot } from 'bakebot/testkit';

const PLUGIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('${o.name}', () => {
  it('greets a viewer and counts their visits', async () => {
    const clock = new FakeClock('2026-01-15T12:00:00Z');
    const t = await startTestBot({ pluginPaths: [PLUGIN], clock, config: { plugins: { ${o.name}: { greeting: 'Hi' } } } });
    try {
      expect(await t.ask('alice', '!${o.name}')).to.equal('Hi, alice! Visit number 1.');
      await clock.advance(5_000); // past the per-user command cooldown
      expect(await t.ask('alice', '!${o.name}')).to.equal('Hi, alice! Visit number 2.');
      expect(await t.service('${o.name}').visits('local:alice')).to.equal(2);
    } finally {
      await t.stop();
    }
  });
});
`,
    'README.md': `# ${o.name}

A BakeBot plugin. Greets viewers and counts their visits.

## Commands

| command | who | what |
| --- | --- | --- |
| \`!${o.name}\` | everyone | greets you and says how often you came by |

## Settings (\`plugins.${o.name}\`)

| key | default | what |
| --- | --- | --- |
| \`greeting\` | \`Hello\` | the first word of the reply |

## Tables

\`${o.name}_visits\` (user id, visits), from \`migrations/001-${o.name}.sql\`.

## Service

\`ctx.service('${o.name}').visits(userId)\`: how many times a viewer used \`!${o.name}\`.

## Develop

\`npm install\`, then \`npm test\` (the test kit starts a real bot with this plugin) and \`npm run typecheck\`.
To run it in your bot, list this folder in \`config/bakebot.yaml\`:

\`\`\`yaml
bot:
  pluginPaths: [path/to/this/folder]
\`\`\`

Saving a file of the plugin reloads it in the running bot. The guide: BakeBot's \`docs/plugins.md\`.
`,
  };
}
