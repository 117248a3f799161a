import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { packageRoot } from './paths';

// The one Ajv set-up, for the schemas after-hours ships in config/schema/: the configuration
// (after-hours.schema.json) and the call event (event.schema.json). Both are JSON Schema
// draft-07, the draft editors' YAML and JSON support validates with (the configuration's
// `# yaml-language-server: $schema=` line) and webhook receivers most often have.

export type ShippedSchema = 'after-hours.schema.json' | 'event.schema.json';

export function shippedSchemaPath(name: ShippedSchema): string {
  return join(packageRoot(), 'config', 'schema', name);
}

/** A shipped schema as JSON, with its `$id` (how `schemaAjv().getSchema` finds it and its parts). */
export function readShippedSchema<T extends { $id: string }>(name: ShippedSchema): T {
  return JSON.parse(readFileSync(shippedSchemaPath(name), 'utf8')) as T;
}

let shared: Ajv | undefined;

/**
 * Every problem (allErrors) with the value it is about (verbose: error messages quote it);
 * strict, but a keyword may apply to more than one type and "required" may name a property
 * defined in a sibling branch; formats (date-time, uri, email)
 * and the OpenAPI discriminator as the event schema uses them.
 */
export function schemaAjv(): Ajv {
  if (!shared) {
    shared = new Ajv({
      allErrors: true,
      verbose: true,
      strict: true,
      strictTypes: false,
      strictRequired: false,
      allowUnionTypes: true,
      discriminator: true,
    });
    addFormats(shared);
  }
  return shared;
}
