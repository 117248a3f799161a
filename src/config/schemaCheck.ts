import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { packageRoot } from '../paths';
import { nearest, renderValue, type ConfigError } from './errors';
import type { YamlSource } from './yamlSource';

// The shipped JSON Schema is the single source of the file's shape; this module only turns
// ajv's findings into positioned, readable errors.

export function configSchemaPath(): string {
  return join(packageRoot(), 'config', 'schema', 'after-hours.schema.json');
}

/** Shape problems reported with a position; the rest are counted in one last line. */
export const MAX_SCHEMA_ERRORS = 100;

let compiled: ValidateFunction | undefined;
function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false, allowUnionTypes: true, useDefaults: false });
    compiled = ajv.compile(JSON.parse(readFileSync(configSchemaPath(), 'utf8')) as object);
  }
  return compiled;
}

function pathOf(pointer: string): Array<string | number> {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describe(path: ReadonlyArray<string | number>): string {
  return path.length === 0 ? 'the file' : path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[');
}

function toError(source: YamlSource, e: ErrorObject): ConfigError {
  const path = pathOf(e.instancePath);
  const where = describe(path);
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const hint = nearest(key, allowed);
      const msg = `unknown key ${renderValue(key)} in ${where}` + (hint ? ` (did you mean "${hint}"?)` : allowed.length ? ` (expected one of: ${allowed.join(', ')})` : '');
      return source.error([...path, key], msg, true);
    }
    case 'required':
      return source.error(path, `${where} needs "${(e.params as { missingProperty: string }).missingProperty}"`);
    case 'enum':
      return source.error(path, `${where} must be one of: ${((e.params as { allowedValues: unknown[] }).allowedValues).join(', ')} (got ${renderValue(e.data)})`);
    case 'type':
      return source.error(path, `${where} must be ${String((e.params as { type: string | string[] }).type).replace(/,/g, ' or ')} (got ${renderValue(e.data)})`);
    default:
      return source.error(path, `${where} ${e.message ?? 'is invalid'}${e.data !== undefined && typeof e.data !== 'object' ? ` (got ${renderValue(e.data)})` : ''}`);
  }
}

/** `shapeOk` is true when the only problems are unknown keys, so the meaning can still be checked. */
export function checkAgainstSchema(source: YamlSource, value: unknown): { errors: ConfigError[]; shapeOk: boolean } {
  const validate = validator();
  if (validate(value)) return { errors: [], shapeOk: true };
  const found = validate.errors ?? [];
  const shapeOk = found.every((e) => e.keyword === 'additionalProperties');
  // Positions and messages only for the first problems: a list of a million wrongly typed
  // items is a million ajv findings, and nobody reads past the first screenful.
  const errors = found.slice(0, MAX_SCHEMA_ERRORS).map((e) => toError(source, e));
  if (found.length > MAX_SCHEMA_ERRORS) {
    const more = found.length - MAX_SCHEMA_ERRORS;
    errors.push(source.error(pathOf(found[MAX_SCHEMA_ERRORS]!.instancePath), `... and ${more} more problem${more === 1 ? '' : 's'} with the shape of the file (fix the first ones and validate again)`));
  }
  return { errors, shapeOk };
}
