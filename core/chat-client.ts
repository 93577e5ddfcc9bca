// `npm run chat` attached to a running bot: its dashboard's test chat over the JSON API (POST /api/chat, the
// bot's answers from GET /api/chat/transcript), with an API token. Used when such a bot answers.
import type { Role } from './types.ts';

interface TranscriptEntry {
  readonly id: string;
  readonly kind: string;
  readonly text: string;
  readonly replyTo?: string;
}

export interface RemoteChat {
  readonly url: string;
  /** Posts as `login` and resolves with the bot's answers to it (waits up to `waitMs`). */
  say(login: string, roles: readonly Role[], text: string, waitMs?: number): Promise<string[]>;
}

/** The running bot's chat at `url`, or undefined when none answers there with this token. */
export async function attachChat(url: string, token: string | undefined): Promise<RemoteChat | undefined> {
  if (!token) return undefined;
  const headers = { authorization: `Bearer ${token}`, accept: 'application/json', 'content-type': 'application/json' };
  try {
    const res = await fetch(`${url}/api/status`, { headers, signal: AbortSignal.timeout(1500) });
    if (!res.ok) return undefined;
  } catch {
    return undefined;
  }
  return {
    url,
    async say(login, roles, text, waitMs = 2000) {
      const res = await fetch(`${url}/api/chat`, { method: 'POST', headers, body: JSON.stringify({ login, text, roles }) });
      const body = (await res.json().catch(() => ({}))) as { message?: { id: string }; error?: string };
      if (!res.ok || !body.message) throw new Error(body.error ?? `the bot answered ${res.status}`);
      const id = body.message.id;
      const until = Date.now() + waitMs;
      let answers: string[] = [];
      // Answers come when the bot has handled the message: ask until some arrive and then stop growing.
      while (Date.now() < until) {
        await new Promise((r) => setTimeout(r, 200));
        const t = await fetch(`${url}/api/chat/transcript`, { headers }).then((r) => r.json() as Promise<{ transcript: TranscriptEntry[] }>);
        const now = t.transcript.filter((e) => e.replyTo === id).map((e) => e.text);
        if (now.length && now.length === answers.length) break;
        answers = now;
      }
      return answers;
    },
  };
}
