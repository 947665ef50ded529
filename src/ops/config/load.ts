import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { ErrorCode, KioskError } from '../errors.js';
import { DeviceConfig } from './schema.js';

export interface LoadedConfig {
  /** Absolute path of the file the config came from; relative paths inside it resolve against its working directory. */
  file: string;
  config: DeviceConfig;
}

/** "hardware.scale.path" style dotted path, as a technician would search for it in the file. */
function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.length === 0 ? '(top level)' : path.map(String).join('.');
}

export function describeIssues(issues: ReadonlyArray<z.core.$ZodIssue>): string[] {
  return issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}

/** Validates an already-parsed document; throws ConfigInvalid naming each bad field. */
export function parseDeviceConfig(document: unknown, file: string): DeviceConfig {
  const result = DeviceConfig.safeParse(document);
  if (!result.success) {
    const problems = describeIssues(result.error.issues);
    throw new KioskError(ErrorCode.ConfigInvalid, `invalid device config ${file}: ${problems.join('; ')}`, {
      file,
      problems,
    });
  }
  return result.data;
}

export function loadDeviceConfig(path: string): LoadedConfig {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new KioskError(ErrorCode.ConfigUnreadable, `cannot read device config ${file}: ${(error as Error).message}`, { file }, { cause: error });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new KioskError(ErrorCode.ConfigInvalid, `device config ${file} is not valid JSON: ${(error as Error).message}`, { file }, { cause: error });
  }
  return { file, config: parseDeviceConfig(document, file) };
}
