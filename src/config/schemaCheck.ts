import type { ErrorObject, ValidateFunction } from 'ajv';
import { readShippedSchema, schemaAjv, shippedSchemaPath } from '../shared/jsonSchema';
import { nearest, renderValue, type ConfigError } from './errors';
import type { YamlSource } from './yamlSource';

// The shipped JSON Schema is the single source of the file's shape; this module only turns
// ajv's findings into positioned, readable errors.

export function configSchemaPath(): string {
  return shippedSchemaPath('after-hours.schema.json');
}

/** Shape problems reported with a position; the rest are counted in one last line. */
export const MAX_SCHEMA_ERRORS = 100;

interface Validators {
  /** The file without the items of `numbers` (their array-ness is still checked). */
  file: ValidateFunction;
  /** One item of `numbers`. */
  number: ValidateFunction;
}

let compiled: Validators | undefined;
/**
 * Numbers are checked one at a time: with allErrors, ajv's whole-file check of a list of
 * 100,000 wrongly shaped numbers took about 40 s (it grows faster than the list); item by
 * item it is linear, and problems past the reported ones are only counted.
 */
function validators(): Validators {
  if (!compiled) {
    const ajv = schemaAjv();
    const schema = readShippedSchema<{ $id: string; properties: { numbers: Record<string, unknown> } }>('after-hours.schema.json');
    if (!ajv.getSchema(schema.$id)) ajv.addSchema(schema);
    const number = ajv.getSchema(`${schema.$id}#/definitions/number`);
    if (!number) throw new Error(`${configSchemaPath()}: no definitions/number`);
    // The same schema without an $id of its own (its local references resolve within it).
    const { $id: _id, ...anonymous } = schema;
    const { items: _items, ...numbersWithoutItems } = schema.properties.numbers;
    const file = ajv.compile({ ...anonymous, properties: { ...schema.properties, numbers: numbersWithoutItems } });
    compiled = { file, number };
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
  return path.length === 0
    ? 'the file'
    : path
        .map((p) => (typeof p === 'number' ? `[${p}]` : p))
        .join('.')
        .replace(/\.\[/g, '[');
}

function toError(source: YamlSource, e: ErrorObject): ConfigError {
  const path = pathOf(e.instancePath);
  const where = describe(path);
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const hint = nearest(key, allowed);
      const msg =
        `unknown key ${renderValue(key)} in ${where}` +
        (hint ? ` (did you mean "${hint}"?)` : allowed.length ? ` (expected one of: ${allowed.join(', ')})` : '');
      return source.error([...path, key], msg, true);
    }
    case 'required':
      return source.error(path, `${where} needs "${(e.params as { missingProperty: string }).missingProperty}"`);
    case 'enum':
      return source.error(
        path,
        `${where} must be one of: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')} (got ${renderValue(e.data)})`,
      );
    case 'type':
      return source.error(
        path,
        `${where} must be ${String((e.params as { type: string | string[] }).type).replace(/,/g, ' or ')} (got ${renderValue(e.data)})`,
      );
    default:
      return source.error(
        path,
        `${where} ${e.message ?? 'is invalid'}${e.data !== undefined && typeof e.data !== 'object' ? ` (got ${renderValue(e.data)})` : ''}`,
      );
  }
}

/** `shapeOk` is true when the only problems are unknown keys, so the meaning can still be checked. */
export function checkAgainstSchema(source: YamlSource, value: unknown): { errors: ConfigError[]; shapeOk: boolean } {
  const { file, number } = validators();
  const found: ErrorObject[] = [];
  let total = 0;
  let shapeOk = true;
  const take = (errors: readonly ErrorObject[] | null | undefined, prefix: string) => {
    for (const e of errors ?? []) {
      total++;
      if (e.keyword !== 'additionalProperties') shapeOk = false;
      // Positions and messages only for the first problems (and one more, to place the count):
      // nobody reads past the first screenful.
      if (found.length <= MAX_SCHEMA_ERRORS) found.push(prefix === '' ? e : { ...e, instancePath: `${prefix}${e.instancePath}` });
    }
  };
  if (!file(value)) take(file.errors, '');
  const numbers = (value as { numbers?: unknown } | null)?.numbers;
  if (Array.isArray(numbers)) numbers.forEach((n, i) => number(n) || take(number.errors, `/numbers/${i}`));
  if (total === 0) return { errors: [], shapeOk: true };
  const errors = found.slice(0, MAX_SCHEMA_ERRORS).map((e) => toError(source, e));
  if (total > MAX_SCHEMA_ERRORS) {
    const more = total - MAX_SCHEMA_ERRORS;
    errors.push(
      source.error(
        pathOf(found[MAX_SCHEMA_ERRORS]!.instancePath),
        `... and ${more} more problem${more === 1 ? '' : 's'} with the shape of the file (fix the first ones and validate again)`,
      ),
    );
  }
  return { errors, shapeOk };
}
