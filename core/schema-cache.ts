// Compiled settings validators kept on disk (ajv's standalone code, in the bot folder's .build/schemas, one
// file per distinct schema): compiling every plugin's schema took about a quarter of a start, and reading the
// code back takes a few milliseconds. A schema that changed has another name, so a stale file is never read.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { compileFunction } from 'node:vm';
import { Ajv, type Options, type ValidateFunction } from 'ajv';
import * as standaloneModule from 'ajv/dist/standalone/index.js';

// The generated code requires ajv's small runtime helpers (equal, ucs2length …) by package path.
const ajvRequire = createRequire(createRequire(import.meta.url).resolve('ajv'));
// A CommonJS module whose default export is the function, under tsx and esbuild alike.
type Standalone = (ajv: Ajv, validate: ValidateFunction) => string;
const standaloneOf = (m: unknown): Standalone => (typeof m === 'function' ? (m as Standalone) : standaloneOf((m as { default: unknown }).default));
const standalone = standaloneOf(standaloneModule);

export class SchemaCache {
  private readonly ajv: Ajv;
  /** Ajv's options and version are part of each file's name: either changing makes every file stale. */
  private readonly salt: string;

  constructor(
    options: Options,
    private readonly dir: string | undefined,
  ) {
    this.ajv = new Ajv({ ...options, code: { ...options.code, source: true } });
    this.salt = `${(ajvRequire('ajv/package.json') as { version: string }).version} ${JSON.stringify(options)}`;
  }

  /** The validator for `schema`: read back from disk when it was compiled before, else compiled and kept. */
  compile(schema: object, text = JSON.stringify(schema)): ValidateFunction {
    const file = this.dir && path.join(this.dir, `${createHash('sha256').update(this.salt).update(text).digest('hex').slice(0, 32)}.cjs`);
    const cached = file && this.read(file);
    if (cached) return cached;
    const fn = this.ajv.compile(schema);
    if (file) this.write(file, standalone(this.ajv, fn));
    // Each schema is compiled once per process (the validator keeps the function): ajv need not keep it too.
    this.ajv.removeSchema(schema);
    return fn;
  }

  private read(file: string): ValidateFunction | undefined {
    let code: string;
    try {
      code = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const module = { exports: {} as unknown };
      compileFunction(code, ['require', 'module', 'exports'], { filename: file })(ajvRequire, module, module.exports);
      return module.exports as ValidateFunction;
    } catch {
      return undefined;
    }
  }

  /** Written whole and renamed into place; a folder the bot may not write to just means compiling at each start. */
  private write(file: string, code: string): void {
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, code);
      renameSync(tmp, file);
    } catch {
      // Not kept: compiled again next time.
    }
  }
}
