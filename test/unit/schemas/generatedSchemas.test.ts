// The actions' parts of both JSON Schemas are generated from the action registry
// (src/actions/schemas.ts, `npm run schemas`); the committed files must be what it generates.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configSchemaWithActions, eventSchemaWithActions, schemaText } from '../../../src/actions/schemas';

const SCHEMAS = join(__dirname, '..', '..', '..', 'config', 'schema');
type Json = { [key: string]: unknown };
const read = (file: string) => readFileSync(join(SCHEMAS, file), 'utf8');

describe.each([
  ['after-hours.schema.json', configSchemaWithActions],
  ['event.schema.json', eventSchemaWithActions],
] as const)('config/schema/%s', (file, generate) => {
  it('is what the action registry generates (npm run schemas writes it)', () => {
    const written = read(file);
    expect(schemaText(generate(JSON.parse(written) as Json))).toBe(written);
  });

  it("is rewritten when an action's part was edited by hand", () => {
    const edited = JSON.parse(read(file).replace('"sent-to-dialplan"', '"sent-elsewhere"').replace('"dialplan"', '"ivr"')) as Json;
    expect(schemaText(edited)).not.toBe(read(file));
    expect(schemaText(generate(edited))).toBe(read(file));
  });
});
