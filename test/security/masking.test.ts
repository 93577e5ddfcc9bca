// Which settings count as secret, and masking round trips, without a bot (the HTTP side is settings.test.ts).
import { expect } from 'chai';
import { REDACTED, redact, secretName, unredact } from '../../plugins/dashboard/server/masking.ts';
import type { SchemaNode } from '../../plugins/dashboard/server/schema-form.ts';

describe('security: what is a secret setting', () => {
  it('goes by the words of the name: secret-like anywhere, token or key as the last word', () => {
    for (const name of ['clientSecret', 'webhookSecret', 'password', 'dbPassword', 'api_key', 'apiKey', 'apiKeys', 'accessToken', 'refresh_token', 'streamKey', 'SECRET_KEY', 'credentials', 'secretsFile', 'passphrase']) {
      expect(secretName(name), name).to.equal(true);
    }
    for (const name of ['tokensPerWin', 'currencyName', 'keywords', 'monkey', 'hotkey', 'keyboardLayout', 'timezone', 'workRewardMax', 'title']) {
      expect(secretName(name), name).to.equal(false);
    }
  });

  it('masks by schema (writeOnly, format: password) whatever the name, and everything inside a secret', () => {
    const schema: SchemaNode = {
      type: 'object',
      properties: {
        pin: { type: 'string', format: 'password' },
        x: { type: 'integer', writeOnly: true },
        vault: { type: 'object', writeOnly: true, properties: { a: { type: 'string' }, b: { type: 'array', items: { type: 'integer' } } } },
        open: { type: 'object', properties: { name: { type: 'string' }, flag: { type: 'boolean' } } },
      },
    };
    const value = { pin: '1234', x: 7, vault: { a: 'z', b: [1, 2] }, open: { name: 'n', flag: true }, empty: '' };
    const masked = redact(schema, value) as typeof value;
    expect(masked).to.deep.equal({ pin: REDACTED, x: REDACTED, vault: { a: REDACTED, b: [REDACTED, REDACTED] }, open: { name: 'n', flag: true }, empty: '' });
    expect(unredact(schema, masked, value)).to.deep.equal(value);
    // A changed secret and a REDACTED where nothing is stored go through as sent.
    expect(unredact(schema, { ...masked, pin: '9999', vault: { a: REDACTED, b: [REDACTED, REDACTED, REDACTED] } }, value)).to.deep.equal({ ...value, pin: '9999', vault: { a: 'z', b: [1, 2, REDACTED] } });
  });
});
