// Compiled settings validators kept on disk (ajv's standalone code, in the bot folder's .build/schemas, one
// file per distinct schema): compiling every plugin's schema took about a quarter of a start, and reading the
// code back takes a few milliseconds. A schema that changed has another name, so a stale file is never read.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { compileFunction } from 'node:vm';
import type { Ajv, Options, ValidateFunction } from 'ajv';

// The generated code requires ajv's small runtime helpers (equal, ucs2length …) by package path.
const ajvRequire = createRequire(createRequire(import.meta.url).resolve('ajv'));
type Standalone = (ajv: Ajv, validate: ValidateFunction) => string;
/** ajv's compiler, loaded (synchronously: it is CommonJS) the first time a schema is not on disk. */
function compiler(options: Options): { ajv: Ajv; standalone: Standalone } {
  const { Ajv: AjvClass } = ajvRequire('ajv') as { Ajv: new (o: Options) => Ajv };
  const standalone = (ajvRequire('ajv/dist/standalone') as { default: Standalone }).default;
  return { ajv: new AjvClass({ ...options, code: { ...options.code, source: true } }), standalone };
}

export class SchemaCache {
  private made: { ajv: Ajv; standalone: Standalone } | undefined;
  /** Ajv's options and version are part of each file's name: either changing makes every file stale. */
  private readonly salt: string;

  constructor(
    private readonly options: Options,
    private readonly dir: string | undefined,
  ) {
    this.salt = `${(ajvRequire('ajv/package.json') as { version: string }).version} ${JSON.stringify(options)}`;
  }

  /** The validator for `schema`: read back from disk when it was compiled before, else compiled and kept. */
  compile(schema: object, text = JSON.stringify(schema)): ValidateFunction {
    const file = this.dir && path.join(this.dir, `${createHash('sha256').update(this.salt).update(text).digest('hex').slice(0, 32)}.cjs`);
    const cached = file && this.read(file);
    if (cached) return cached;
    this.made ??= compiler(this.options);
    const { ajv, standalone } = this.made;
    const fn = ajv.compile(schema);
    if (file) this.write(file, standalone(ajv, fn));
    // Each schema is compiled once per process (the validator keeps the function): ajv need not keep it too.
    ajv.removeSchema(schema);
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
