import { loadConfigText } from '../../../src/config/load';
import { validateEvent } from '../../../src/events/validate';
import { readShippedSchema, schemaAjv, type ShippedSchema } from '../../../src/shared/jsonSchema';

const SHIPPED: ShippedSchema[] = ['after-hours.schema.json', 'event.schema.json'];

describe('the shipped JSON Schemas (config/schema/) and the one Ajv', () => {
  it.each(SHIPPED)('%s is draft-07 and valid against the draft-07 meta-schema', (name) => {
    const schema = readShippedSchema<{ $id: string; $schema?: string }>(name);
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    const ajv = schemaAjv();
    expect(ajv.validateSchema(schema)).toBe(true);
    expect(ajv.errors ?? null).toBeNull();
  });

  it('the config check and the event check both compile their schema in the shared Ajv', () => {
    const ids = SHIPPED.map((name) => readShippedSchema(name).$id);
    loadConfigText('mem.yaml', 'numbers:\n  - did: "+14155550100"\n    timezone: UTC\n    hours: {}\n');
    expect(validateEvent({}).ok).toBe(false);
    for (const id of ids) expect(schemaAjv().getSchema(id)).toBeDefined();
  });
});
