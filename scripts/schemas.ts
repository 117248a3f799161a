// npm run schemas: writes the actions' parts of config/schema/after-hours.schema.json and
// config/schema/event.schema.json from the action registry (src/actions/schemas.ts).
// --check: writes nothing, exits 1 when a file differs from what the registry generates.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configSchemaWithActions, eventSchemaWithActions, schemaText } from '../src/actions/schemas';

// Compiled to dist/scripts/schemas.js.
const SCHEMAS = join(__dirname, '..', '..', 'config', 'schema');
const FILES = [
  { file: 'after-hours.schema.json', generate: configSchemaWithActions },
  { file: 'event.schema.json', generate: eventSchemaWithActions },
];

const check = process.argv.includes('--check');
let differ = 0;
for (const { file, generate } of FILES) {
  const path = join(SCHEMAS, file);
  const written = readFileSync(path, 'utf8');
  const generated = schemaText(generate(JSON.parse(written) as { [key: string]: unknown }));
  if (written === generated) continue;
  if (check) {
    differ++;
    console.error(`config/schema/${file} differs from what the action registry generates: run npm run schemas`);
  } else {
    writeFileSync(path, generated);
    console.log(`config/schema/${file} written`);
  }
}
process.exitCode = differ > 0 ? 1 : 0;
