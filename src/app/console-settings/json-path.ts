/**
 * Dotted paths ("broker.reconnect.maxMs") into a device-config document, as
 * the technician types them and as the config loader reports bad fields.
 * Arrays are values, not containers: a path never indexes into one.
 */
import { ErrorCode, KioskError } from '../../ops/errors.js';

export type JsonDocument = Record<string, unknown>;

const SEGMENT = /^[A-Za-z0-9$_][A-Za-z0-9$_.-]*$/;

export function splitPath(path: string): string[] {
  const segments = path.split('.');
  if (path.length === 0 || segments.some((segment) => segment.length === 0 || !SEGMENT.test(segment))) {
    throw new KioskError(ErrorCode.ConsoleUsage, `"${path.slice(0, 80)}" is not a dotted config path like broker.url`, {});
  }
  return segments;
}

export function isObject(value: unknown): value is JsonDocument {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at `path`, or undefined when any part of it is missing. */
export function getAt(document: unknown, path: string): unknown {
  let node: unknown = document;
  for (const segment of splitPath(path)) {
    if (!isObject(node) || !Object.hasOwn(node, segment)) return undefined;
    node = node[segment];
  }
  return node;
}

/**
 * A copy of `document` with `path` set to `value` (undefined removes it),
 * creating objects on the way. Refuses to walk through a non-object.
 */
export function withValueAt(document: JsonDocument, path: string, value: unknown): JsonDocument {
  const segments = splitPath(path);
  const copy = structuredClone(document);
  let node: JsonDocument = copy;
  for (const [index, segment] of segments.slice(0, -1).entries()) {
    const next = node[segment];
    if (next === undefined) {
      if (value === undefined) return copy;
      node[segment] = {};
    } else if (!isObject(next)) {
      throw new KioskError(ErrorCode.ConsoleConfigRejected, `${segments.slice(0, index + 1).join('.')} is a value, not a section`, { path });
    }
    node = node[segment] as JsonDocument;
  }
  const last = segments[segments.length - 1] as string;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

/** Every leaf as [dotted path, value]; arrays and empty objects are leaves. Sorted by path. */
export function flatten(document: unknown, prefix = ''): Array<[string, unknown]> {
  if (!isObject(document) || (Object.keys(document).length === 0 && prefix !== '')) return [[prefix, document]];
  const leaves = Object.entries(document).flatMap(([key, value]) => flatten(value, prefix === '' ? key : `${prefix}.${key}`));
  return leaves.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

