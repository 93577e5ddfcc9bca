// `npm run chat` attached to a running bot (issue 19): the test chat of its dashboard over the JSON API, with
// an API token; no bot there (or no token) means no attachment, and the REPL runs a bot of its own.
import { expect } from 'chai';
import { attachChat } from '../../core/chat-client.ts';
import { startTestBot, type TestBot } from '../support/kit.ts';

const TOKEN = 'chat-client-test-token-0123456789';

describe('npm run chat: attaching to a running bot', function () {
  this.timeout(20_000);
  let t: TestBot | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it("talks through the running bot's test chat, and does not attach without a bot or a token", async () => {
    t = await startTestBot({ plugins: ['dashboard', 'quotes'], env: { DASHBOARD_PASSWORD: 'a long enough password', BAKEBOT_API_TOKEN: TOKEN }, config: { plugins: { dashboard: { port: 0 } } } });
    const url = t.service('dashboard').url ?? '';
    expect(await attachChat(url, undefined)).to.equal(undefined);
    expect(await attachChat(url, 'wrong-token-0123456789')).to.equal(undefined);
    expect(await attachChat('http://127.0.0.1:9', TOKEN)).to.equal(undefined);
    const chat = await attachChat(url, TOKEN);
    expect(chat?.url).to.equal(url);
    expect(await chat!.say('amod', ['moderator'], '!addquote attached at last')).to.deep.equal(['Saved quote #1.']);
    expect(await chat!.say('alice', [], '!quote 1')).to.deep.equal(['#1: "attached at last"']);
  });
});
