/**
 * One coded error type for the whole runtime (after zwave-js' ZWaveError).
 * Codes come in blocks per subsystem so a code alone says where to look;
 * tests and callers branch on `code`, never on the wording.
 */
export const ErrorCode = {
  // 1xx hardware
  HardwareTimeout: 101,
  HardwareFault: 102,
  HardwareUnsupported: 103,
  ScenarioInvalid: 104,
  /** A configured GPIO chip label or line offset does not exist on this board. */
  GpioLineNotFound: 105,
  /** The scale understood a command but refused it (not executable now, out of range, or a protocol error line). */
  ScaleCommandRejected: 106,
  /** A calibration was refused: an unusable known weight, no load on the platform, or a factor outside the plausible range. */
  ScaleCalibrationRejected: 107,
  // 2xx vision
  ClassifierFault: 201,
  /** models/<name>/manifest.json is missing, not JSON, or not a valid version-1 manifest. */
  ModelManifestInvalid: 202,
  /** The model file named by the manifest is missing, or its byte size or sha256 differs from the manifest. */
  ModelFileMismatch: 203,
  /** The model's input or output (names, element type, shape, label count) does not match its manifest. */
  ModelShapeMismatch: 204,
  /** onnxruntime could not create a session from the model file (not a usable ONNX model). */
  ModelLoadFailed: 205,
  /** The label map file is missing, not JSON, invalid, or names labels the model does not have. */
  LabelMapInvalid: 206,
  /** The empty-chamber reference image exists but cannot be decoded. */
  ChamberReferenceInvalid: 207,
  /** A camera frame could not be decoded as an image. */
  FrameUndecodable: 208,
  // 3xx store
  StoreFault: 301,
  StoreMigrationFailed: 302,
  /** The disk budget (store.budgetBytes) is reached or the filesystem is nearly full: intake pauses; nothing is dropped but telemetry. */
  StoreBudgetReached: 303,
  // 4xx sync
  UplinkNotConnected: 401,
  UplinkPublishFailed: 402,
  UplinkStopped: 403,
  /** The broker refused a publish in a way that will not change by retrying (not authorized, topic or payload invalid): the drain parks. */
  UplinkPublishParked: 404,
  // 41x commands from the backend, 42x config shadow, 43x over-the-air model updates (see src/sync/commands, shadow, ota)
  /** COMMANDS: a command message was refused before anything was done (size, shape, signature, key, device, time); the result's `rejection` says why. */
  CommandRejected: 410,
  /** COMMANDS: a command was tried and did not succeed, for a reason its message gives. */
  CommandFailed: 411,
  /** COMMANDS: no handler for this command type is wired on this kiosk (e.g. model.update before the OTA module fills its slot). */
  CommandNotAvailable: 412,
  /** COMMANDS: the result would exceed COMMAND_RESULT_MAX_BYTES. */
  CommandResultTooLarge: 413,
  /** COMMANDS: a command of the same kind is still running (or a config apply is restarting the kiosk). */
  CommandBusy: 414,
  /** COMMANDS: the runtime stopped or restarted before the command finished. */
  CommandInterrupted: 415,
  /** SHADOW: a desired config was refused: it touches a key the fleet does not manage, or the merged config fails the device-config schema (the message names the field). */
  ShadowRejected: 420,
  /** SHADOW: a desired version not higher than the one last handled. */
  ShadowStale: 421,
  /** SHADOW: this kiosk runs without a device-config file, so the fleet cannot change its config. */
  ShadowUnavailable: 422,
  /** OTA: the model package's signature does not verify, names an unknown key, or a key not allowed to sign models. */
  OtaSignatureInvalid: 430,
  /** OTA: the package is not a valid kiosk.model-package/1, or its model's manifest.json does not match it (name, version, model sha256). */
  OtaPackageInvalid: 431,
  /** OTA: a file could not be downloaded (network, HTTP status, timeout) after the retries. */
  OtaDownloadFailed: 432,
  /** OTA: a downloaded file's size or SHA-256 differs from the package. */
  OtaFileMismatch: 433,
  /** OTA: the new model was refused by its smoke test (does not load, bad outputs, the empty chamber not seen as empty); the old model stays. */
  OtaSmokeTestFailed: 434,
  /** OTA: the model directory, pointer file or staging area could not be written. */
  OtaInstallFailed: 435,
  /** OTA: the new model faulted after the switch; the previous model was restored. */
  OtaRolledBack: 436,
  /** OTA: another model update is running. */
  OtaBusy: 437,
  /** OTA: the update was cancelled (its signal aborted, or the kiosk stopped). */
  OtaCancelled: 438,
  /** OTA: this kiosk cannot take model updates (its classifier is not the ONNX one). */
  OtaUnsupported: 439,
  // 5xx console
  /** A console line could not be run: unknown command, bad arguments or quoting, a line too long. */
  ConsoleUsage: 501,
  /** The command needs a technician login first. */
  ConsoleLoginRequired: 502,
  /** A PIN or challenge response was wrong, or the challenge expired. */
  ConsoleAuthFailed: 503,
  /** Too many failed logins: no attempt is checked until the delay is over. */
  ConsoleLockedOut: 504,
  /** No technician credentials (label PIN hash or per-device key) are provisioned on this kiosk. */
  ConsoleNotProvisioned: 505,
  /** The technician cancelled the command (Ctrl-C), or the session ended while it ran. */
  ConsoleCancelled: 506,
  /** A command ran but failed for a reason its message gives. */
  ConsoleCommandFailed: 507,
  /** DEVICES: an actuator or device command was refused because a deposit is in progress (the deposit flow owns the devices). */
  ConsoleDepositInProgress: 510,
  /** DEVICES: `camera reference` was refused: the scale shows a load or the item sensor sees an item. */
  ConsoleChamberNotEmpty: 511,
  /** DEVICES: a snapshot or reference image could not be written. */
  ConsoleDeviceFileFailed: 512,
  /** SETTINGS: a staged config change was refused by the device-config schema (the message names the field). */
  ConsoleConfigRejected: 520,
  /** SETTINGS: `config diff|apply` with nothing staged. */
  ConsoleNothingStaged: 521,
  /** SETTINGS: a pasted CA, certificate or key is not valid PEM, or the certificate and key do not match. */
  ConsolePemInvalid: 522,
  /** SETTINGS: the config, candidate, last-known-good or PEM files could not be read or written (or the kiosk runs without a config file). */
  ConsoleConfigFileFailed: 523,
  /** SETTINGS: an applied config did not start or was not healthy in time; the last-known-good config was restored. */
  ConfigRolledBack: 524,
  /** SETTINGS: a typed confirmation (factory-reset) did not match; nothing was changed. */
  ConsoleNotConfirmed: 525,
  // 6xx ops
  ConfigUnreadable: 601,
  ConfigInvalid: 602,
  // 7xx deposit flow
  DepositAborted: 701,
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const recoverableCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.HardwareTimeout,
  ErrorCode.HardwareFault,
  ErrorCode.UplinkNotConnected,
  ErrorCode.UplinkPublishFailed,
  ErrorCode.OtaDownloadFailed,
  ErrorCode.OtaBusy,
]);

export class KioskError extends Error {
  override readonly name = 'KioskError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Structured facts for logs and events; never secrets. */
    readonly context: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(`[E${code}] ${message}`, options);
  }

  /** True when retrying the same operation later may succeed. */
  isRecoverable(): boolean {
    return recoverableCodes.has(this.code);
  }
}

export function isKioskError(error: unknown, code?: ErrorCode): error is KioskError {
  return error instanceof KioskError && (code === undefined || error.code === code);
}
