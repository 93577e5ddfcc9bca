// Checks catalog items' params against their effects' params schemas (EffectOptions.paramsSchema) when the
// catalog is saved from the dashboard: each problem is an issue naming the param, like the config's own
// (`plugins.shop.items.<id>.params.<name>`), so the Shop page shows it beside that param's input.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ConfigIssue } from '../../core/types.ts';
import type { EffectInfo } from './service.ts';

export class ParamsChecker {
  private readonly ajv = new Ajv({ allErrors: true, strict: false });
  private readonly compiled = new WeakMap<object, ValidateFunction>();

  /** Issues for every item whose effect has a params schema its params do not meet. */
  check(items: Readonly<Record<string, unknown>>, effects: readonly EffectInfo[]): ConfigIssue[] {
    const byName = new Map(effects.map((e) => [e.name, e]));
    const issues: ConfigIssue[] = [];
    for (const [id, raw] of Object.entries(items)) {
      if (!raw || typeof raw !== 'object') continue;
      const item = raw as { effect?: unknown; params?: unknown };
      const schema = typeof item.effect === 'string' ? byName.get(item.effect)?.paramsSchema : undefined;
      if (!schema) continue;
      const params = item.params ?? {};
      const validate = this.validator(schema);
      if (validate(params)) continue;
      for (const e of validate.errors ?? []) issues.push({ file: 'catalog', path: `plugins.shop.items.${id}.params${pathOf(e)}`, message: messageOf(e) });
    }
    return issues;
  }

  private validator(schema: object): ValidateFunction {
    let v = this.compiled.get(schema);
    if (!v) {
      v = this.ajv.compile(schema);
      this.compiled.set(schema, v);
    }
    return v;
  }
}

/** `.message` for `/message`, the missing or unknown property for `required` and `additionalProperties`. */
function pathOf(e: ErrorObject): string {
  const base = e.instancePath.split('/').filter(Boolean).map((p) => `.${p}`).join('');
  const extra = (e.params as { missingProperty?: string; additionalProperty?: string }).missingProperty ?? (e.params as { additionalProperty?: string }).additionalProperty;
  return extra && (e.keyword === 'required' || e.keyword === 'additionalProperties') ? `${base}.${extra}` : base;
}

function messageOf(e: ErrorObject): string {
  if (e.keyword === 'required') return 'is required by this effect';
  if (e.keyword === 'additionalProperties') return 'is not a setting of this effect';
  return e.message ?? 'is not valid';
}
