import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';

/** Validator for job responses, from the JSON Schema written from the seed page. */
const here = dirname(fileURLToPath(import.meta.url));
// The fixture lives in the source tree; compiled tests run from dist/test/helpers.
const candidates = [join(here, '../fixtures/seed-job-schema.json'), join(here, '../../../test/fixtures/seed-job-schema.json')];
const schemaPath = candidates.find((p) => { try { readFileSync(p); return true; } catch { return false; } })!;
const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as object;
const ajv = new Ajv({ allErrors: true, strict: false });
(addFormatsModule as unknown as (a: Ajv) => void)(ajv);
const validate = ajv.compile(schema);

export function assertSeedShape(body: unknown): void {
  if (!validate(body)) {
    throw new Error(`response does not match the seed job schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body, null, 2)}`);
  }
}
