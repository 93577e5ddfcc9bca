// Server-sent events: one stream per open page, carrying the topics it asked for (status, chat, transcript,
// log, plugins, ext). Data is JSON; the browser puts it into the page with textContent only.
import { PassThrough } from 'node:stream';
import type { Context } from 'koa';

export const TOPICS = ['status', 'chat', 'transcript', 'log', 'plugins', 'ext'] as const;
export type Topic = (typeof TOPICS)[number];

export interface HubClient {
  readonly stream: PassThrough;
  readonly topics: ReadonlySet<string>;
}

/** Open streams survive a reload of the dashboard: the next generation's hub takes over the same set of clients (carry.ts). */
export class EventHub {
  constructor(readonly clients: Set<HubClient> = new Set()) {}

  get size(): number {
    return this.clients.size;
  }

  /** Turns the response into an event stream; `first` events are sent at once (the current state). */
  open(ctx: Context, topics: readonly string[], first: readonly { topic: Topic; data: unknown }[] = []): void {
    const wanted = new Set(topics.filter((t) => (TOPICS as readonly string[]).includes(t)));
    const stream = new PassThrough();
    const client: HubClient = { stream, topics: wanted };
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.req.socket.setKeepAlive(true);
    ctx.status = 200;
    ctx.set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no' });
    ctx.body = stream;
    stream.write('retry: 1000\n\n');
    for (const f of first) if (wanted.has(f.topic)) stream.write(frame(f.topic, f.data));
    this.clients.add(client);
    const drop = () => {
      this.clients.delete(client);
      stream.end();
    };
    ctx.req.on('close', drop);
    stream.on('error', drop);
  }

  /** Whether anyone listens to `topic` (so per-message data is built only for a listener). */
  wants(topic: Topic): boolean {
    for (const c of this.clients) if (c.topics.has(topic)) return true;
    return false;
  }

  send(topic: Topic, data: unknown): void {
    if (!this.clients.size) return;
    const text = frame(topic, data);
    for (const c of this.clients) if (c.topics.has(topic)) c.stream.write(text);
  }

  /** A comment line keeps proxies from closing an idle stream. */
  ping(): void {
    for (const c of this.clients) c.stream.write(': ping\n\n');
  }

  closeAll(): void {
    for (const c of this.clients) c.stream.end();
    this.clients.clear();
  }
}

function frame(topic: string, data: unknown): string {
  // JSON.stringify never emits a raw newline, so one data line is enough.
  return `event: ${topic}\ndata: ${JSON.stringify(data)}\n\n`;
}
