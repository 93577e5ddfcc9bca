// The catalog: its schema (errors name the item and the field), finding items from what viewers type,
// and packing listings into chat lines.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { expect } from 'chai';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../../core/bot.ts';
import { startTestBot } from '../../../test/support/kit.ts';
import { CONFIG_SCHEMA, DEFAULT_ITEMS, findItem, parseBuy, toItems, type ConfiguredItem } from '../catalog.ts';
import { packLines } from '../commands.ts';
import { startShop, type ShopBot } from './helpers.ts';

const base = { description: '', category: 'treats', params: {}, enabled: true, roles: ['everyone' as const], maxPerPurchase: 10 };
const items = toItems({
  cookie: { ...base, name: 'Chocolate Chip Cookie', cost: 10, effect: 'none' },
  bakers_dozen: { ...base, name: "Baker's Dozen", cost: 120, effect: 'none' },
  frosted_message: { ...base, name: 'Frosted Message', cost: 50, effect: 'highlight' },
  shoutout_baguette: { ...base, name: 'Shoutout Baguette', cost: 150, effect: 'shoutout' },
  croissant: { ...base, name: 'Butter Croissant', cost: 25, effect: 'none' },
  cream_puff: { ...base, name: 'Cream Puff', cost: 25, effect: 'none' },
  cream_horn: { ...base, name: 'Cream Horn', cost: 25, effect: 'none' },
} satisfies Record<string, ConfiguredItem>);

describe('shop: catalog', function () {
  this.timeout(20000);

  it('finds items by id, name, a unique word or start, in any case and without punctuation', () => {
    const id = (t: string) => findItem(items, t)?.id;
    expect(id('cookie')).to.equal('cookie');
    expect(id('COOKIE')).to.equal('cookie');
    expect(id('chocolate chip cookie')).to.equal('cookie');
    expect(id("baker's dozen")).to.equal('bakers_dozen');
    expect(id('Bakers Dozen')).to.equal('bakers_dozen');
    expect(id('bakers_dozen')).to.equal('bakers_dozen');
    expect(id('dozen')).to.equal('bakers_dozen');
    expect(id('baguette')).to.equal('shoutout_baguette');
    expect(id('froste')).to.equal('frosted_message');
    expect(id('cream')).to.equal(undefined); // two cream items: ambiguous
    expect(id('cream p')).to.equal('cream_puff');
    expect(id('')).to.equal(undefined);
    expect(id('pie')).to.equal(undefined);
  });

  it('parses !buy arguments: item words, then a quantity, then the text for the effect', () => {
    const p = (rest: string) => {
      const r = parseBuy(items, rest);
      return r && { item: r.found?.id, quantity: r.quantity, input: r.input, bad: r.badQuantity };
    };
    expect(p('cookie')).to.deep.equal({ item: 'cookie', quantity: undefined, input: '', bad: undefined });
    expect(p('Chocolate Chip Cookie 4')).to.deep.equal({ item: 'cookie', quantity: 4, input: '', bad: undefined });
    expect(p('"baker\'s dozen" x2')).to.deep.equal({ item: 'bakers_dozen', quantity: 2, input: '', bad: undefined });
    expect(p('cookie 3x')).to.deep.equal({ item: 'cookie', quantity: 3, input: '', bad: undefined });
    expect(p('frosted message Hello   chat, "quoted" @Friend')).to.deep.equal({ item: 'frosted_message', quantity: undefined, input: 'Hello   chat, "quoted" @Friend', bad: undefined });
    expect(p('frosted Hi')).to.deep.equal({ item: 'frosted_message', quantity: undefined, input: 'Hi', bad: undefined });
    expect(p('baguette @Someone')).to.deep.equal({ item: 'shoutout_baguette', quantity: undefined, input: '@Someone', bad: undefined });
    expect(p('cookie 0')?.bad).to.equal('0');
    expect(p('cookie -2')?.bad).to.equal('-2');
    expect(p('unknown thing 2')).to.deep.equal({ item: undefined, quantity: undefined, input: '', bad: undefined });
    expect(p('')).to.equal(undefined);
  });

  it('packs a listing into at most two chat lines, with a pointer to the rest', () => {
    const parts = Array.from({ length: 60 }, (_, i) => `Item number ${i} ${100 + i}`);
    const lines = packLines('Bakery:', parts, '· !buy <item>', (n) => `· …${n} more: !shop <category>`);
    expect(lines).to.have.length(2);
    for (const l of lines) expect(l.length).to.be.at.most(450);
    expect(lines[1]).to.match(/…\d+ more: !shop <category>$/);
    expect(packLines('Bakery:', ['A 1', 'B 2'], '· !buy <item>', () => '')).to.deep.equal(['Bakery: A 1 · B 2 · !buy <item>']);
  });

  it('the default bakery passes the schema and uses only effects the shop ships, or ships disabled', () => {
    const validate = new Ajv({ allErrors: true, useDefaults: true, strict: false }).compile(CONFIG_SCHEMA);
    const settings: Record<string, unknown> = {};
    expect(validate(settings), JSON.stringify(validate.errors)).to.equal(true);
    expect(Object.keys(settings.items as object)).to.deep.equal(Object.keys(DEFAULT_ITEMS));
    expect((settings.items as Record<string, { roles: string[] }>).cookie?.roles).to.deep.equal(['everyone']);
    const builtin = new Set(['highlight', 'shoutout', 'manual', 'none']);
    for (const [id, item] of Object.entries(DEFAULT_ITEMS)) {
      const enabled = !('enabled' in item) || item.enabled;
      if (enabled) expect(builtin.has(item.effect), id).to.equal(true);
    }
  });

  it('config/bakebot.example.yaml shows the same bakery as the defaults', () => {
    const example = parse(readFileSync(path.join(PROJECT_ROOT, 'config', 'bakebot.example.yaml'), 'utf8')) as { plugins: { shop: { items: unknown; enabled: boolean } } };
    expect(example.plugins.shop.enabled).to.equal(true);
    expect(example.plugins.shop.items).to.deep.equal(DEFAULT_ITEMS);
  });

  it('a bad catalog in the config file stops the start with every problem, each naming the item and field', async () => {
    let err: Error | undefined;
    await startTestBot({
      plugins: ['economy', 'shop'],
      config: {
        plugins: {
          shop: {
            items: {
              cookie: { name: 'Cookie', cost: -1, effect: 'none' },
              'Bad Id': { name: 'x', cost: 1, effect: 'none' },
              pie: { name: 'Pie', cost: 5, effect: 'none', colour: 'red', roles: ['kings'] },
              tart: { cost: 5, effect: 'Not-An-Effect' },
            },
          },
        },
      },
    }).catch((e: Error) => (err = e));
    expect(err?.name).to.equal('ConfigError');
    const text = err?.message ?? '';
    expect(text).to.match(/plugins\.shop\.items\.cookie\.cost: must be integer >= 0/);
    expect(text).to.match(/plugins\.shop\.items\.pie\.colour: unknown setting/);
    expect(text).to.match(/plugins\.shop\.items\.pie\.roles\.0: must be one of: "everyone"/);
    expect(text).to.match(/plugins\.shop\.items\.tart\.name: is required/);
    expect(text).to.match(/plugins\.shop\.items\.tart\.effect: does not look right/);
    // An id that is not lower case is named, with the rule it breaks.
    expect(text).to.match(/plugins\.shop\.items\.Bad Id: is not a valid name \(must match \^\[a-z0-9\]/);
  });

  describe('saved while running', () => {
    let s: ShopBot;
    afterEach(async () => {
      await s?.t.stop();
    });

    it('saveConfig validates a new catalog; a valid one replaces the catalog, a changed stock restocks', async () => {
      s = await startShop({ items: { roll: { name: 'Cinnamon Roll', cost: 5, effect: 'none', stock: 1 } } });
      await s.fund('amy', 100);
      expect(await s.t.ask('amy', '!buy roll')).to.match(/^You bought Cinnamon Roll/);
      expect(await s.t.ask('amy', '!buy roll')).to.equal('Cinnamon Roll is sold out.');
      const bad = await s.t.host.saveConfig('shop', { items: { roll: { name: 'Cinnamon Roll', cost: 'five', effect: 'none' } } });
      expect(bad.ok).to.equal(false);
      expect(!bad.ok && bad.issues.map((i) => `${i.path}: ${i.message}`)).to.deep.equal(['plugins.shop.items.roll.cost: must be integer']);
      const good = await s.t.host.saveConfig('shop', { items: { roll: { name: 'Cinnamon Roll', cost: 5, effect: 'none', stock: 3 } } });
      expect(good.ok).to.equal(true);
      const shop = s.t.service('shop');
      expect((await shop.items()).map((i) => [i.id, i.remaining])).to.deep.equal([['roll', 3]]);
      expect(await s.t.ask('amy', '!buy roll 2')).to.match(/^You bought 2× Cinnamon Roll/);
      expect((await shop.items())[0]?.remaining).to.equal(1);
    });

    it('a catalog saved with an effect nobody provides is reported once the new shop settles', async () => {
      s = await startShop({ items: { roll: { name: 'Cinnamon Roll', cost: 5, effect: 'none' } } });
      expect(s.t.host.plugin('shop')?.error).to.equal(undefined);
      const saved = await s.t.host.saveConfig('shop', { items: { roll: { name: 'Cinnamon Roll', cost: 5, effect: 'none' }, warp: { name: 'Warp Waffle', cost: 9, effect: 'teleport' } } });
      expect(saved.ok).to.equal(true);
      expect(s.t.host.plugin('shop')?.error).to.equal(undefined);
      await s.clock.advance(1_000);
      expect(s.t.host.plugin('shop')?.error).to.match(/a shop item cannot be sold: item "warp" \(Warp Waffle\): effect "teleport" is not provided by any loaded plugin/);
      expect(s.t.service('shop').problems().map((p) => p.item)).to.deep.equal(['warp']);
    });
  });
});
