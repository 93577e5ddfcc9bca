// The send-times file fails safe: missing or unreadable after an unclean stop means "the window is full".
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { sendTimesFile } from '../../core/chat.ts';
import { LogHub } from '../../core/log.ts';
import { cleanup, tempDir } from '../core/helpers.ts';

function store(file: string, uncleanStop: boolean): { load: () => number[]; save: (sent: number[], window: number[]) => void; warnings: string[] } {
  const hub = new LogHub({ write: () => undefined });
  const s = sendTimesFile(file, hub.logger('chat'), { uncleanStop, now: () => 1_000, fill: 5 });
  return { load: () => s.load(), save: (sent, window) => s.save(sent, window), get warnings() { return hub.recent().filter((e) => e.level === 'warn').map((e) => e.msg); } };
}

describe('chat: send-times file', () => {
  afterEach(cleanup);

  it('reads what the last run saved', () => {
    const file = path.join(tempDir(), 'chat-sends.json');
    writeFileSync(file, JSON.stringify({ times: [900, 950] }));
    expect(store(file, true).load()).to.deep.equal([900, 950]);
  });

  it('appends each burst to the file instead of replacing it, and the next run reads them all', () => {
    const file = path.join(tempDir(), 'chat-sends.json');
    writeFileSync(file, JSON.stringify({ times: [900, 950] })); // what an older version wrote
    const s = store(file, false);
    s.save([960], [900, 950, 960]); // a run's first save starts the file over with its window
    const inode = statSync(file).ino;
    s.save([970, 971], [900, 950, 960, 970, 971]);
    s.save([980], [950, 960, 970, 971, 980]);
    // Replacing the file (write, then rename over it) made ext4 flush it: a millisecond of the main thread per reply.
    expect(statSync(file).ino).to.equal(inode);
    expect(readFileSync(file, 'utf8')).to.equal('{"times":[900,950,960]}\n970\n971\n980\n');
    expect(store(file, true).load()).to.deep.equal([900, 950, 960, 970, 971, 980]);
  });

  it('starts the file over with the window once it has grown', () => {
    const file = path.join(tempDir(), 'chat-sends.json');
    const s = store(file, false);
    for (let t = 1; t <= 300; t++) s.save([t], [Math.max(1, t - 2), t].filter((x, i, a) => a.indexOf(x) === i));
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.length).to.be.below(60);
    expect(store(file, true).load().slice(-3)).to.deep.equal([298, 299, 300]);
  });

  it('a line cut off by a crash after an unclean stop: a full window, with a warning', () => {
    const file = path.join(tempDir(), 'chat-sends.json');
    const s = store(file, true);
    s.save([900], [900]);
    appendFileSync(file, '95');
    appendFileSync(file, '0.5e');
    expect(s.load()).to.deep.equal([1000, 1000, 1000, 1000, 1000]);
    expect(s.warnings.join('\n')).to.match(/is unreadable after an unclean stop/);
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
