// Compiled settings validators kept on disk: one read back must judge and fill in defaults exactly as a
// freshly compiled one does, and a changed schema must never meet an old file.
import { expect } from 'chai';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SchemaCache } from '../../core/schema-cache.ts';

const OPTIONS = { allErrors: true, useDefaults: true, verbose: true, strict: false, formats: { password: true as const } };
const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cost: { type: 'integer', minimum: 1, default: 10 },
    name: { type: 'string', minLength: 2 },
    roles: { type: 'array', items: { enum: ['vip', 'subscriber'] }, default: [] },
  },
  required: ['name'],
};

describe('core: compiled settings validators kept on disk', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'bakebot-schemas-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const judge = (cache: SchemaCache, schema: object, data: object) => {
    const validate = cache.compile(schema);
    const copy = structuredClone(data);
    const ok = validate(copy);
    return { ok, data: copy, errors: (validate.errors ?? []).map((e) => ({ path: e.instancePath, keyword: e.keyword, message: e.message, parent: e.parentSchema })) };
  };

  it('a validator read back judges, reports (with the parent schema) and fills in defaults as a compiled one', () => {
    const fresh = judge(new SchemaCache(OPTIONS, dir), SCHEMA, { name: 'x', cost: 0, extra: 1, roles: ['mod'] });
    expect(readdirSync(dir)).to.have.length(1);
    // The file is what the second cache uses: make it detectable, still valid.
    const [file] = readdirSync(dir);
    const marked = new SchemaCache(OPTIONS, dir);
    const read = judge(marked, SCHEMA, { name: 'x', cost: 0, extra: 1, roles: ['mod'] });
    expect(read).to.deep.equal(fresh);
    expect(fresh.ok).to.equal(false);
    expect(fresh.errors.map((e) => e.keyword).sort()).to.deep.equal(['additionalProperties', 'enum', 'minLength', 'minimum']);
    expect(judge(marked, SCHEMA, { name: 'bread' })).to.deep.include({ ok: true, data: { name: 'bread', cost: 10, roles: [] } });
    writeFileSync(path.join(dir, file!), 'module.exports = () => true;');
    expect(new SchemaCache(OPTIONS, dir).compile(SCHEMA)({})).to.equal(true, 'the file on disk is what is used');
  });

  it('a changed schema, or other ajv options, never read an old file; an unreadable file is compiled again', () => {
    new SchemaCache(OPTIONS, dir).compile(SCHEMA);
    const changed = { ...SCHEMA, required: [] };
    expect(judge(new SchemaCache(OPTIONS, dir), changed, {}).ok).to.equal(true);
    new SchemaCache({ ...OPTIONS, allErrors: false }, dir).compile(SCHEMA);
    expect(readdirSync(dir)).to.have.length(3);
    for (const f of readdirSync(dir)) writeFileSync(path.join(dir, f), 'this is not javascript (');
    expect(judge(new SchemaCache(OPTIONS, dir), SCHEMA, {}).ok).to.equal(false);
  });

  it('without a folder (or one it cannot write) it compiles each time and still works', () => {
    expect(judge(new SchemaCache(OPTIONS, undefined), SCHEMA, { name: 'rye' }).ok).to.equal(true);
    // A "folder" that is a file: nothing can be written under it.
    const file = path.join(dir, 'a-file');
    writeFileSync(file, '');
    expect(judge(new SchemaCache(OPTIONS, path.join(file, 'schemas')), SCHEMA, { name: 'r' }).ok).to.equal(false);
    expect(readdirSync(dir)).to.deep.equal(['a-file']);
  });
});
