// The running game on stream: what the `game` overlay (plugins/overlays) shows of a game, from the same
// updates the dashboard gets. The answer is shown only once the game is over.
import type { GameInfo } from './service.ts';

type GameOverlayEvent = { type: 'game'; title: string; status?: string; lines?: string[]; endsAt?: number } | { type: 'clear' };

export function gameOverlay(info: GameInfo): GameOverlayEvent {
  const running = info.status === 'running';
  const lines = [info.view.prompt, ...(info.view.lines ?? [])].filter((l): l is string => !!l);
  if (!running && info.view.answer) lines.push(`Answer: ${info.view.answer}`);
  return {
    type: 'game',
    title: info.title,
    status: running ? `${info.answers} answer${info.answers === 1 ? '' : 's'} so far` : info.summary ?? info.status,
    lines,
    ...(running && info.deadline ? { endsAt: info.deadline } : {}),
  };
}
