/**
 * Writes docs/schemas/*.json from the zod schemas (npm run schemas).
 * With --check, writes nothing and exits 1 when a file is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSchema, schemaCatalog } from './schema-catalog.js';

const directory = join(import.meta.dirname, '..', 'docs', 'schemas');
const check = process.argv.includes('--check');
let stale = 0;

for (const entry of schemaCatalog) {
  const path = join(directory, entry.file);
  const rendered = renderSchema(entry);
  if (check) {
    let current = '';
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      // Missing counts as stale.
    }
    if (current !== rendered) {
      stale += 1;
      process.stderr.write(`out of date: docs/schemas/${entry.file}\n`);
    }
  } else {
    writeFileSync(path, rendered);
    process.stdout.write(`wrote docs/schemas/${entry.file}\n`);
  }
}
if (stale > 0) {
  process.stderr.write('run: npm run schemas\n');
  process.exit(1);
}
