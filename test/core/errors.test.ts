// core/errors.ts: coded errors are recognized by their code (not their class, which a reload replaces), and
// whatever was thrown has a readable message.
import { expect } from 'chai';
import { CodedError, codeForStatus, errorMessage, isCoded } from '../../core/errors.ts';

describe('core: coded errors', () => {
  it('recognizes a code on any object, whichever class made it', () => {
    const err = new CodedError('OUT_OF_STOCK', 'Sourdough Starter is sold out.', { status: 409, details: { item: 'starter' } });
    expect(isCoded(err)).to.equal(true);
    expect(isCoded(err, 'OUT_OF_STOCK')).to.equal(true);
    expect(isCoded(err, 'INSUFFICIENT_FUNDS')).to.equal(false);
    expect([err.status, err.details, err.message]).to.deep.equal([409, { item: 'starter' }, 'Sourdough Starter is sold out.']);
    // Another module's error (a reloaded plugin's class) with the same code is the same error to code that checks.
    expect(isCoded(Object.assign(new Error('no'), { code: 'OUT_OF_STOCK' }), 'OUT_OF_STOCK')).to.equal(true);
    for (const v of [null, undefined, 'OUT_OF_STOCK', 42, new Error('plain'), { code: '' }, { code: 7 }]) expect(isCoded(v), String(v)).to.equal(false);
  });

  it('gives a message for whatever was thrown', () => {
    expect(errorMessage(new Error('boom'))).to.equal('boom');
    expect(errorMessage('plain text')).to.equal('plain text');
    expect(errorMessage({ message: 'from an object' })).to.equal('from an object');
    expect(errorMessage({ reason: 'x' })).to.equal('{"reason":"x"}');
    expect(errorMessage(undefined)).to.equal('undefined');
    expect(errorMessage(new CodedError('X', 'coded'))).to.equal('coded');
  });

  it('names a code for an HTTP status', () => {
    expect([400, 401, 403, 404, 409, 413, 429, 500, 502, 503].map(codeForStatus)).to.deep.equal(['BAD_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'TOO_LARGE', 'RATE_LIMITED', 'INTERNAL', 'INTERNAL', 'UNAVAILABLE']);
  });
});
