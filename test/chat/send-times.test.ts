// The send-times file fails safe: missing or unreadable after an unclean stop means "the window is full".
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { sendTimesFile } from '../../core/chat.ts';
import { LogHub } from '../../core/log.ts';
import { cleanup, tempDir } from '../core/helpers.ts';

function store(file: string, uncleanStop: boolean): { load: () => number[]; warnings: string[] } {
  const hub = new LogHub({ write: () => undefined });
  const s = sendTimesFile(file, hub.logger('chat'), { uncleanStop, now: () => 1_000, fill: 5 });
  return { load: () => s.load(), get warnings() { return hub.recent().filter((e) => e.level === 'warn').map((e) => e.msg); } };
}

describe('chat: send-times file', () => {
  afterEach(cleanup);

  it('reads what the last run saved', () => {
    const file = path.join(tempDir(), 'chat-sends.json');
    writeFileSync(file, JSON.stringify({ times: [900, 950] }));
    expect(store(file, true).load()).to.deep.equal([900, 950]);
  });

  for (const [what, text] of [['missing', undefined], ['garbled', '{"times":[12'], ['not a list', '{"times":7}']] as const) {
    it(`${what} after an unclean stop: a full window, with a warning`, () => {
      const file = path.join(tempDir(), 'chat-sends.json');
      if (text !== undefined) writeFileSync(file, text);
      const s = store(file, true);
      expect(s.load()).to.deep.equal([1000, 1000, 1000, 1000, 1000]);
      expect(s.warnings.join('\n')).to.match(/after an unclean stop.*waits out Twitch's send window/);
    });

    it(`${what} after a clean stop or on the first run: empty, silently`, () => {
      const file = path.join(tempDir(), 'chat-sends.json');
      if (text !== undefined) writeFileSync(file, text);
      const s = store(file, false);
      expect(s.load()).to.deep.equal([]);
      expect(s.warnings).to.deep.equal([]);
    });
  }
});
