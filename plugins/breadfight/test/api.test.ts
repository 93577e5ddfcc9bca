// The fights' HTTP API on the dashboard: GET /api/fights (live and recent), one fight, cancel, and the
// question editor's save (checked against the config schema), with 4xx JSON errors {error, code, details?}.
import { expect } from 'chai';
import { Client } from '../../dashboard/test/helpers.ts';
import { API_TOKEN, DASHBOARD_ENV, startFight, startFights, type FightBot } from './helpers.ts';

/** A request with the API token; the answer's status and JSON body. */
async function call(base: string, method: string, url: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await new Client(base).request(method, url, { headers: { accept: 'application/json', authorization: `Bearer ${API_TOKEN}` }, ...(body !== undefined ? { json: body } : {}) });
  return { status: r.status, body: JSON.parse(r.text || '{}') as Record<string, unknown> };
}

describe('breadfight: API', function () {
  this.timeout(30000);
  let f: FightBot;
  let url: string;
  beforeEach(async () => {
    f = await startFights({ dashboard: true, env: DASHBOARD_ENV, settings: { hp: 15, maxRounds: 2 } });
    url = f.t.service('dashboard').url ?? '';
    for (const v of ['alice', 'bob', 'carol', 'dave']) await f.fund(v, 500);
  });
  afterEach(async () => {
    await f?.t.stop();
  });

  it('GET /api/fights gives the live fights and the recent ones; GET /api/fights/:id one', async () => {
    await startFight(f, 'alice', 'bob', 20);
    await f.play('alice', 'right');
    await f.said(/wins bread fight #1/);
    await startFight(f, 'carol', 'dave', 30);
    // The turn's clock starts when the first question is out (after the fight's announcement).
    await f.turn('carol');
    const r = await call(url, 'GET', '/api/fights');
    expect(r.status).to.equal(200);
    const live = r.body.live as Record<string, unknown>[];
    const recent = r.body.recent as Record<string, unknown>[];
    expect(live.map((x) => [x.id, x.state, x.activeFighter, x.wager])).to.deep.equal([[2, 'active', 'carol', 30]]);
    expect(live[0]?.endsAt).to.equal(f.clock.now() + 15_000);
    expect(live[0]).to.not.have.property('answers');
    expect(recent.map((x) => [x.id, x.outcome, x.winner])).to.deep.equal([[1, 'win', 'alice']]);
    const one = await call(url, 'GET', '/api/fights/1');
    expect((one.body.fight as Record<string, unknown>).winner).to.equal('alice');
    expect(await call(url, 'GET', '/api/fights/99')).to.deep.equal({ status: 404, body: { error: 'no bread fight #99', code: 'NOT_FOUND' } });
    expect((await call(url, 'GET', '/api/fights/x1')).body).to.deep.include({ code: 'INVALID_ID' });
    const stats = await call(url, 'GET', '/api/fights/stats');
    expect((stats.body.top as { login: string }[]).map((s) => s.login)).to.deep.equal(['alice', 'bob']);
  });

  it('POST /api/fights/:id/cancel refunds both; a finished fight is a 409', async () => {
    await startFight(f, 'alice', 'bob', 100);
    const r = await call(url, 'POST', '/api/fights/1/cancel', {});
    expect(r.status).to.equal(200);
    expect(r.body.fight).to.deep.include({ state: 'finished', outcome: 'cancelled' });
    expect([await f.balance('alice'), await f.balance('bob')]).to.deep.equal([500, 500]);
    await f.booksBalanced();
    expect(await call(url, 'POST', '/api/fights/1/cancel', {})).to.deep.equal({ status: 409, body: { error: 'bread fight #1 is already over', code: 'ALREADY_FINISHED' } });
    expect((await call(url, 'POST', '/api/fights/7/cancel', {})).status).to.equal(404);
  });

  it('PUT /api/fights/questions saves valid questions into the config and refuses bad ones with the schema\'s details', async () => {
    const bad = await call(url, 'PUT', '/api/fights/questions', { questions: [{ question: 'What rises?', answer: 'dough', difficulty: 5 }] });
    expect(bad.status).to.equal(400);
    expect(bad.body).to.deep.include({ error: 'the questions have errors', code: 'INVALID_QUESTIONS' });
    expect(JSON.stringify(bad.body.details)).to.contain('plugins.breadfight.questions.0.difficulty');
    expect((await call(url, 'PUT', '/api/fights/questions', { questions: 'x' })).body).to.deep.equal({ error: '"questions" must be a list', code: 'INVALID_BODY' });
    expect((await call(url, 'PUT', '/api/fights/questions', { questions: [], oops: 1 })).body).to.deep.include({ code: 'INVALID_BODY' });

    const ok = await call(url, 'PUT', '/api/fights/questions', { questions: [{ question: 'Level 2 word: type knead', answer: 'knead', aliases: ['kneading'], difficulty: 2 }], includeBuiltin: true });
    expect(ok).to.deep.equal({ status: 200, body: { ok: true } });
    const q = await call(url, 'GET', '/api/fights/questions');
    expect(q.body.questions).to.deep.equal([{ question: 'Level 2 word: type knead', answer: 'knead', aliases: ['kneading'], difficulty: 2 }]);
    expect(q.body.includeBuiltin).to.equal(true);
    expect(f.fights.questions().filter((x) => x.source === 'config').map((x) => x.answer)).to.deep.equal(['knead']);
    expect(f.fights.questions().filter((x) => x.source === 'builtin').length).to.be.at.least(100);
  });
});
