import type { ErrorObject, ValidateFunction } from 'ajv';
import { IANAZone } from 'luxon';
import { readShippedSchema, schemaAjv, shippedSchemaPath } from '../shared/jsonSchema';
import type { AfterHoursEvent } from './types';
import type { ErrorCode } from '../shared/errorCodes';

export type EventValidation = { ok: true; event: AfterHoursEvent } | { ok: false; errors: string[] };

export function eventSchemaPath(): string {
  return shippedSchemaPath('event.schema.json');
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled === undefined) {
    const ajv = schemaAjv();
    const schema = readShippedSchema<{ $id: string }>('event.schema.json');
    compiled = ajv.getSchema(schema.$id) ?? ajv.compile(schema);
  }
  return compiled;
}

// IANAZone.isValidZone builds an Intl.DateTimeFormat per call (~150 µs); zones are few.
const knownZones = new Map<string, boolean>();
function isKnownZone(zone: string): boolean {
  let known = knownZones.get(zone);
  if (known === undefined) {
    known = IANAZone.isValidZone(zone);
    if (knownZones.size < 10_000) knownZones.set(zone, known);
  }
  return known;
}

/** Checks a value against config/schema/event.schema.json, plus what JSON Schema cannot say (a known IANA zone). */
export function validateEvent(value: unknown): EventValidation {
  const validate = validator();
  if (!validate(value)) return { ok: false, errors: formatErrors(validate.errors ?? []) };
  const event = value as AfterHoursEvent;
  if (!isKnownZone(event.timezone)) return { ok: false, errors: [`/timezone: unknown time zone "${event.timezone}"`] };
  return { ok: true, event };
}

/** Parses a JSON text and validates it; never throws. */
export function parseEvent(json: string): EventValidation {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    return { ok: false, errors: [`not JSON: ${err instanceof Error ? err.message : String(err)}`] };
  }
  return validateEvent(value);
}

export class InvalidEventError extends Error {
  readonly code: ErrorCode = 'AH_ERR_INVALID_EVENT';
  constructor(readonly errors: string[]) {
    super(`invalid after-hours event: ${errors.join('; ')}`);
    this.name = 'InvalidEventError';
  }
}

export function assertEvent(value: unknown): AfterHoursEvent {
  const result = validateEvent(value);
  if (!result.ok) throw new InvalidEventError(result.errors);
  return result.event;
}

function formatErrors(errors: ErrorObject[]): string[] {
  // oneOf/anyOf produce one error per branch; the most specific ones come first and are enough.
  const seen = new Set<string>();
  const out: string[] = [];
  for (const e of errors) {
    const text = `${e.instancePath || '/'}: ${e.message ?? e.keyword}${e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: unknown }).additionalProperty)})` : ''}`;
    if (!seen.has(text)) {
      seen.add(text);
      out.push(text);
    }
  }
  return out;
}
