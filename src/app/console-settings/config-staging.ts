/**
 * The staged candidate: a full copy of the live device-config file in
 * <config>.candidate, edited one field at a time and validated as a whole
 * against the device-config schema on every change, so a change the kiosk
 * would refuse at start is refused when typed, naming the field.
 */
import { existsSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import type { ConfigChange } from '../../console/settings-facade.js';
import type { JsonValue } from '../../console/command.js';
import { describeIssues } from '../../ops/config/load.js';
import { DeviceConfig } from '../../ops/config/schema.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';
import { applyFilesFor, ConfigApplyGuard, type ApplyFiles } from '../config-apply-guard.js';
import { readJsonFile, removeFileDurably, writeFileAtomic } from './atomic-file.js';
import { flatten, isObject, withValueAt, type JsonDocument } from './json-path.js';
import { redactSecrets } from './redact.js';

export class ConfigStaging {
  readonly files: ApplyFiles;
  readonly guard: ConfigApplyGuard;

  constructor(readonly configFile: string) {
    this.files = applyFilesFor(configFile);
    this.guard = new ConfigApplyGuard(configFile);
  }

  live(): JsonDocument {
    const document = readJsonFile(this.files.live);
    if (!isObject(document)) throw new KioskError(ErrorCode.ConsoleConfigFileFailed, `${this.files.live} is missing or not a JSON object`, { file: this.files.live });
    return document;
  }

  candidate(): JsonDocument | undefined {
    const document = readJsonFile(this.files.candidate);
    return isObject(document) ? document : undefined;
  }

  /** What the next change edits: the candidate, or a fresh copy of the live file. */
  base(): JsonDocument {
    return this.candidate() ?? this.live();
  }

  /** Validates and writes `document` as the candidate; a candidate equal to the live file is no candidate. Returns the number of changed fields. */
  save(document: JsonDocument): number {
    validate(document);
    const changes = diffDocuments(this.live(), document).length;
    if (changes === 0) removeFileDurably(this.files.candidate);
    else writeFileAtomic(this.files.candidate, `${JSON.stringify(document, null, 2)}\n`);
    return changes;
  }

  /**
   * Writes a candidate the schema refuses only because half of a client
   * certificate/key pair is staged: the technician pastes the other half next,
   * and apply validates the whole again.
   */
  saveUnchecked(document: JsonDocument): void {
    writeFileAtomic(this.files.candidate, `${JSON.stringify(document, null, 2)}\n`);
  }

  stage(path: string, value: unknown): { document: JsonDocument; changes: number } {
    const document = withValueAt(this.base(), path, value);
    return { document, changes: this.save(document) };
  }

  diff(): ConfigChange[] {
    const candidate = this.candidate();
    if (!candidate) throw nothingStaged();
    return diffDocuments(this.live(), candidate);
  }

  discard(): boolean {
    const had = existsSync(this.files.candidate);
    removeFileDurably(this.files.candidate);
    return had;
  }

  /** Puts the candidate live under the apply guard; the caller restarts the kiosk. */
  apply(options: { technician: string | null; healthTimeoutMs: number; brokerCheck: boolean }): { changes: ConfigChange[]; requireBroker: boolean } {
    const candidate = this.candidate();
    if (!candidate) throw nothingStaged();
    const live = this.live();
    validate(candidate);
    const changes = diffDocuments(live, candidate);
    const brokerChanged = !isDeepStrictEqual(DeviceConfig.parse(live).broker, DeviceConfig.parse(candidate).broker);
    const requireBroker = options.brokerCheck && brokerChanged;
    this.guard.apply(`${JSON.stringify(candidate, null, 2)}\n`, { technician: options.technician, healthTimeoutMs: options.healthTimeoutMs, requireBroker });
    removeFileDurably(this.files.candidate);
    return { changes, requireBroker };
  }
}

function nothingStaged(): KioskError {
  return new KioskError(ErrorCode.ConsoleNothingStaged, 'nothing staged; change something first (config set, broker, identity)', {});
}

/** Throws [E520] naming every field the schema refuses. */
export function validate(document: unknown): DeviceConfig {
  const result = DeviceConfig.safeParse(document);
  if (!result.success) {
    const problems = describeIssues(result.error.issues);
    throw new KioskError(ErrorCode.ConsoleConfigRejected, `refused: ${problems.join('; ')}`, { problems });
  }
  return result.data;
}

/** Field-by-field differences, secrets shown as "[set]". */
export function diffDocuments(live: JsonDocument, staged: JsonDocument): ConfigChange[] {
  const before = new Map(flatten(live));
  const after = new Map(flatten(staged));
  const changes: ConfigChange[] = [];
  const shown = (path: string, value: unknown): JsonValue => redactSecrets(value, path.split('.').at(-1)) as JsonValue;
  for (const path of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const a = before.get(path);
    const b = after.get(path);
    if (!before.has(path)) changes.push({ path, change: 'added', staged: shown(path, b) });
    else if (!after.has(path)) changes.push({ path, change: 'removed', live: shown(path, a) });
    else if (!isDeepStrictEqual(a, b)) changes.push({ path, change: 'changed', live: shown(path, a), staged: shown(path, b) });
  }
  return changes;
}
