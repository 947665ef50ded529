import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { schemaDir } from './paths.js';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/**
 * Validators built from the published docs/schemas files, not from the zod
 * source: what the backend team builds against is what the tests check.
 */
export function loadPublishedSchemas(): (file: string) => ValidateFunction {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  for (const file of readdirSync(schemaDir)) {
    ajv.addSchema(JSON.parse(readFileSync(join(schemaDir, file), 'utf8')) as object, file);
  }
  return (file) => {
    const validate = ajv.getSchema(file);
    if (!validate) throw new Error(`no published schema ${file}`);
    return validate;
  };
}
