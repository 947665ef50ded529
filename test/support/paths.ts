import { join } from 'node:path';

export const projectRoot = join(import.meta.dirname, '..', '..');
export const runtimeEntry = join(projectRoot, 'dist', 'main.js');
export const schemaDir = join(projectRoot, 'docs', 'schemas');
