import type { PrintedWeight } from './printed-weight.js';

/**
 * The MT-SICS (Mettler Toledo Standard Interface Command Set) vocabulary this
 * runtime speaks: level 0/1 weighing, taring and zeroing, and the reset that
 * answers with the serial number. Commands and responses are ASCII lines ended
 * by CR LF; a response starts with the id of the command family it answers:
 *
 *   S, SI, SIR ──► "S S      100.00 g"   stable      | "S D ..." dynamic (SI/SIR only)
 *   T          ──► "T S      100.00 g"   tared, value = tare
 *   TI         ──► "TI S ..." / "TI D ..." tared immediately, stable or not
 *   Z          ──► "Z A"                 zeroed
 *   ZI         ──► "ZI S" / "ZI D"       zeroed immediately, stable or not
 *   @          ──► "I4 A \"B123456789\"" reset; answers with the serial number
 *   any        ──► "<id> I"  understood, not executable now (busy, no stability in time)
 *                  "<id> L"  understood, logically not possible
 *                  "<id> +"  over range (overload / above tare or zero range)
 *                  "<id> -"  under range
 *                  "ES" syntax error, "ET" transmission error, "EL" logical error
 */
export const MT_SICS_COMMANDS = ['S', 'SI', 'SIR', 'T', 'TI', 'Z', 'ZI', '@'] as const;
export type MtSicsCommand = (typeof MT_SICS_COMMANDS)[number];

export const MT_SICS_RESPONSE_IDS = ['S', 'T', 'TI', 'Z', 'ZI', 'I4'] as const;
export type MtSicsResponseId = (typeof MT_SICS_RESPONSE_IDS)[number];

/** The response id that answers a command. */
export function responseIdOf(command: MtSicsCommand): MtSicsResponseId {
  switch (command) {
    case 'S':
    case 'SI':
    case 'SIR':
      return 'S';
    case '@':
      return 'I4';
    default:
      return command;
  }
}

export type MtSicsResponse =
  | { kind: 'weight'; id: 'S'; stable: boolean; weight: PrintedWeight }
  | { kind: 'tare'; id: 'T' | 'TI'; stable: boolean; weight: PrintedWeight }
  /** `stable` is undefined when the scale did not say ("ZI A" on some models). */
  | { kind: 'zeroed'; id: 'Z' | 'ZI'; stable: boolean | undefined }
  | { kind: 'serial-number'; id: 'I4'; serialNumber: string }
  | { kind: 'refused'; id: MtSicsResponseId; reason: 'not-executable' | 'logical' }
  | { kind: 'out-of-range'; id: MtSicsResponseId; direction: 'over' | 'under' }
  | { kind: 'error'; error: 'syntax' | 'transmission' | 'logical' };

export type MtSicsParseProblem = 'bad-byte' | 'malformed' | 'unknown-response' | 'bad-status' | 'bad-value' | 'bad-unit';

/** Longest response line we accept; real level 0/1 responses stay well under 64 bytes. */
export const MT_SICS_MAX_LINE = 100;
