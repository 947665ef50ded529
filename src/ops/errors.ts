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
  // 3xx store
  StoreFault: 301,
  StoreMigrationFailed: 302,
  // 4xx sync
  UplinkNotConnected: 401,
  UplinkPublishFailed: 402,
  UplinkStopped: 403,
  // 5xx console (reserved)
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
