import { COMMAND_RESULT_MAX_BYTES, COMMAND_RESULT_SCHEMA, type CommandRejection, type CommandResult } from '../../protocol/commands.js';
import { ErrorCode } from '../../ops/errors.js';

export interface ResultFields {
  commandId: string | null;
  type: string | null;
  status: CommandResult['status'];
  rejection?: CommandRejection | null;
  error?: CommandResult['error'];
  data?: CommandResult['data'];
}

/** One kiosk.command-result/1, stamped with the kiosk's own wall time. */
export function commandResult(deviceId: string, fields: ResultFields, now: Date): CommandResult {
  return {
    schema: COMMAND_RESULT_SCHEMA,
    deviceId,
    commandId: fields.commandId,
    type: fields.type,
    status: fields.status,
    rejection: fields.rejection ?? null,
    error: fields.error === undefined || fields.error === null ? null : { code: fields.error.code, message: fields.error.message.slice(0, 500) },
    data: fields.data ?? null,
    duplicate: false,
    time: now.toISOString(),
  };
}

/** The result, or a failed one (413) in its place when its JSON would exceed COMMAND_RESULT_MAX_BYTES. */
export function boundedResult(result: CommandResult, maxBytes = COMMAND_RESULT_MAX_BYTES): CommandResult {
  const bytes = Buffer.byteLength(JSON.stringify(result));
  if (bytes <= maxBytes) return result;
  return {
    ...result,
    status: 'failed',
    data: null,
    error: { code: ErrorCode.CommandResultTooLarge, message: `[E${ErrorCode.CommandResultTooLarge}] the result would be ${bytes} bytes, more than ${maxBytes}` },
  };
}
