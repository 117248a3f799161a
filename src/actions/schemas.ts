import type { JsonSchema } from './callAction';
import { outcomeSpecs } from './outcomes';
import { ACTIONS, ACTION_NAMES } from './registry';

// The actions' parts of the two JSON Schemas, generated from the registry: in
// config/schema/after-hours.schema.json the action enum and each action's settings
// (afterHours.<action>), in config/schema/event.schema.json the action enum, the outcome
// kinds each action may report and every outcome's schema. The rest of each file is written
// by hand. `npm run schemas` writes them; test/unit/schemas/generatedSchemas.test.ts fails
// when a committed file differs from what this generates. Pure: the files' text in and out.

type Json = { [key: string]: unknown };

const object = (v: unknown, where: string): Json => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${where} is not an object`);
  return v as Json;
};

/** config/schema/after-hours.schema.json with the actions' parts from the registry. */
export function configSchemaWithActions(schema: Json): Json {
  const definitions = object(schema.definitions, 'definitions');
  const afterHours = object(definitions.afterHours, 'definitions.afterHours');
  const properties = object(afterHours.properties, 'definitions.afterHours.properties');
  const action = { ...object(properties.action, 'definitions.afterHours.properties.action'), enum: [...ACTION_NAMES] };
  const settings: Record<string, JsonSchema> = {};
  for (const name of ACTION_NAMES) settings[name] = ACTIONS[name].configSchema;
  const generated = { ...afterHours, properties: { action, ...settings } };
  return { ...schema, definitions: { ...definitions, afterHours: generated } };
}

const isOutcome = (def: unknown): boolean => {
  const kind = (def as { properties?: { kind?: { const?: unknown } } } | null)?.properties?.kind;
  return typeof kind?.const === 'string';
};

/** config/schema/event.schema.json with the actions' parts from the registry. */
export function eventSchemaWithActions(schema: Json): Json {
  const properties = object(schema.properties, 'properties');
  const action = { ...object(properties.action, 'properties.action'), enum: [...ACTION_NAMES] };
  const allOf = ACTION_NAMES.map((name) => ({
    if: { properties: { action: { const: name } } },
    then: { properties: { outcome: { properties: { kind: { enum: [...Object.keys(ACTIONS[name].outcomes), 'caller-hung-up'] } } } } },
  }));
  const specs = outcomeSpecs();
  const outcomes: Json = {};
  for (const [, spec] of specs) outcomes[spec.defName] = spec.schema;
  outcomes.outcome = {
    type: 'object',
    required: ['kind'],
    discriminator: { propertyName: 'kind' },
    oneOf: specs.map(([, spec]) => ({ $ref: `#/$defs/${spec.defName}` })),
  };
  // The hand-written definitions keep their order; the outcomes go where the first of them was.
  const defs: Json = {};
  let placed = false;
  for (const [key, def] of Object.entries(object(schema.$defs, '$defs'))) {
    if (key === 'outcome' || isOutcome(def)) {
      if (!placed) Object.assign(defs, outcomes);
      placed = true;
    } else defs[key] = def;
  }
  if (!placed) Object.assign(defs, outcomes);
  return { ...schema, properties: { ...properties, action }, allOf, $defs: defs };
}

/** How the schema files are written. */
export function schemaText(schema: Json): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
