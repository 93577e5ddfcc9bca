// Twitch events on stream: an alert on the `alerts` overlay (plugins/overlays) for each event the bot acted on.
import type { BotEvent } from './events.ts';

export function eventAlert(e: BotEvent): { type: 'alert'; kind: string; title: string; text?: string; user: string } {
  const who = e.user.displayName;
  const title = (() => {
    switch (e.type) {
      case 'redemption':
        return `${who} redeemed ${e.reward}`;
      case 'follow':
        return `${who} followed!`;
      case 'subscribe':
        return `${who} subscribed!`;
      case 'resub':
        return `${who} resubscribed: ${e.months} months!`;
      case 'gift':
        return `${who} gifted ${e.count} sub${e.count === 1 ? '' : 's'}!`;
      case 'cheer':
        return `${who} cheered ${e.bits} bits!`;
      case 'raid':
        return `${who} is raiding with ${e.viewers} viewers!`;
    }
  })();
  const text = e.type === 'redemption' ? e.input : e.type === 'resub' || e.type === 'cheer' ? e.message : '';
  return { type: 'alert', kind: e.type, title, ...(text ? { text } : {}), user: who };
}
