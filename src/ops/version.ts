import { readFileSync } from 'node:fs';

/** The runtime's version, from package.json, read once. */
export const RUNTIME_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
