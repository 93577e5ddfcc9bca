// Checking what plugins publish (it reaches a page on stream) and keeping what stays on screen, so a page
// that opens or reconnects mid-fight shows the fight. Pure functions.
import { LAYOUT_EVENTS, type OverlayEvent, type OverlayLayout } from './service.ts';

const str = (v: unknown, max = 500) => typeof v === 'string' && v.length <= max;
const optStr = (v: unknown, max = 500) => v === undefined || str(v, max);
const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const optNum = (v: unknown) => v === undefined || num(v);

function fighterOk(f: unknown): boolean {
  const x = f as { name?: unknown; hp?: unknown; maxHp?: unknown } | null;
  return !!x && str(x.name, 100) && num(x.hp) && num(x.maxHp) && (x.maxHp as number) > 0;
}

/** Why `event` is not fit for an overlay of `layout`, or undefined when it is. */
export function eventProblem(layout: OverlayLayout, event: unknown): string | undefined {
  const e = event as Record<string, unknown> | null;
  if (!e || typeof e !== 'object' || typeof e.type !== 'string') return 'an event is an object with a `type`';
  if (!(LAYOUT_EVENTS[layout] as readonly string[]).includes(e.type)) return `a ${layout} overlay takes ${LAYOUT_EVENTS[layout].join(', ')} events, not "${e.type}"`;
  switch (e.type) {
    case 'alert':
      return str(e.title, 200) && optStr(e.text) && optStr(e.user, 100) && optStr(e.kind, 40) && optNum(e.durationMs) ? undefined : 'an alert needs a `title` (text), and `text`, `user`, `kind` are text';
    case 'game':
      return str(e.title, 200) && optStr(e.status) && optNum(e.endsAt) && (e.lines === undefined || (Array.isArray(e.lines) && e.lines.length <= 20 && e.lines.every((l) => str(l))))
        ? undefined
        : 'a game needs a `title`; `status` is text, `lines` up to 20 texts, `endsAt` a time';
    case 'fight':
      return fighterOk(e.left) && fighterOk(e.right) && optStr(e.text) && (e.winner === undefined || e.winner === 'left' || e.winner === 'right')
        ? undefined
        : 'a fight needs `left` and `right` as { name, hp, maxHp > 0 }; `winner` is left or right';
    case 'leaderboard':
      return optStr(e.title, 200) && Array.isArray(e.rows) && e.rows.length <= 50 && e.rows.every((r: { rank?: unknown; name?: unknown; value?: unknown }) => num(r?.rank) && str(r?.name, 100) && str(r?.value, 100))
        ? undefined
        : 'a leaderboard needs `rows` (up to 50) of { rank, name, value }';
    case 'list':
      return optStr(e.title, 200) && Array.isArray(e.items) && e.items.length <= 50 && e.items.every((i: { text?: unknown; detail?: unknown; at?: unknown }) => str(i?.text) && optStr(i?.detail) && optNum(i?.at))
        ? undefined
        : 'a list needs `items` (up to 50) of { text, detail?, at? }';
    case 'item':
      return str(e.text) && optStr(e.detail) && optNum(e.at) ? undefined : 'an item needs `text`; `detail` is text, `at` a time';
    case 'text':
      return str(e.text) && optStr(e.title, 200) ? undefined : 'a text event needs `text`';
    case 'clear':
      return undefined;
    default:
      return `unknown event type "${String(e.type)}"`;
  }
}

/** What stays on screen after `event` (alerts pass and leave nothing; `item` joins the list). */
export function nextState(state: OverlayEvent | undefined, event: OverlayEvent, listSize: number): OverlayEvent | undefined {
  switch (event.type) {
    case 'alert':
      return state;
    case 'clear':
      return undefined;
    case 'item': {
      const items = state?.type === 'list' ? state.items : [];
      const { type: _type, ...item } = event;
      return { type: 'list', ...(state?.type === 'list' && state.title ? { title: state.title } : {}), items: [item, ...items].slice(0, listSize) };
    }
    case 'list':
      return { ...event, items: event.items.slice(0, listSize) };
    default:
      return event;
  }
}

/** The event "send test" fires for a layout. */
export function sampleEvent(layout: OverlayLayout, now: number): OverlayEvent {
  switch (layout) {
    case 'alerts':
      return { type: 'alert', kind: 'test', title: 'Test alert', text: 'This is how an alert looks on stream.', user: 'BakeBot' };
    case 'game':
      return { type: 'game', title: 'Trivia (test)', status: 'First to answer wins 50 tokens', lines: ['What rises in the oven?'], endsAt: now + 30_000 };
    case 'fight':
      return { type: 'fight', left: { name: 'Sourdough', hp: 72, maxHp: 100 }, right: { name: 'Baguette', hp: 35, maxHp: 100 }, text: 'Sourdough crusts Baguette for 12!' };
    case 'leaderboard':
      return { type: 'leaderboard', title: 'Top bakers (test)', rows: [{ rank: 1, name: 'Crumb', value: '1,250 tokens' }, { rank: 2, name: 'Flour', value: '980 tokens' }, { rank: 3, name: 'Yeast', value: '400 tokens' }] };
    case 'list':
      return { type: 'item', text: 'Test order: 2 × Cookie', detail: 'by BakeBot', at: now };
    default:
      return { type: 'text', text: 'Test text from the dashboard' };
  }
}
