/**
 * Shared by the process-level console tests (the compiled runtime as a child
 * process, its console on a real PTY): bounded waits sized for a loaded 2-core
 * machine, and the "kiosk has its end of the console open" condition.
 */
import type { KioskProcess, LogLine } from '../support/kiosk-process.js';
import { waitFor } from '../support/wait-for.js';

/** A kiosk process start (node, native addons, devices, camera child) on a loaded machine; a quiet one takes 2-5 s. */
export const PROCESS_START_TIMEOUT_MS = 90_000;

/** A whole test that starts and restarts kiosk processes. */
export const PROCESS_TEST_TIMEOUT_MS = 300_000;

/** sysexits EX_TEMPFAIL: "restart me" (the systemd unit restarts on it). */
export const EXIT_RESTART = 75;

/** Waits for a log line of this process, with the bound for a loaded machine. */
export function logOf(kiosk: KioskProcess, msg: string, timeoutMs = PROCESS_START_TIMEOUT_MS): Promise<LogLine> {
  return kiosk.waitForLog(msg, timeoutMs);
}

/**
 * Resolves once the kiosk process has opened its end of the console PTY. Bytes
 * typed before that are lost (opening a serial port flushes its input), so a
 * technician connects only after this.
 */
export async function consolePortOpen(kiosk: KioskProcess, path: string, timeoutMs = PROCESS_START_TIMEOUT_MS): Promise<void> {
  await waitFor(() => kiosk.logs.some((line) => line.msg === 'serial port open' && line.path === path), {
    timeoutMs,
    description: `the kiosk's console port ${path} open (stderr: ${kiosk.stderr.slice(-300)})`,
  });
}

/** The last log lines of a kiosk process, one a line, for a failure message. */
export function logTail(kiosk: KioskProcess, lines = 25): string {
  return kiosk.logs
    .slice(-lines)
    .map((line) => `${String(line.time ?? '')} ${String(line.component ?? '')} ${line.msg}`)
    .join('\n');
}

/**
 * Waits for `wait`, but fails at once if the kiosk process exits first; either
 * way a failure names what the kiosk logged last, so a hang is not just "timed out".
 */
export async function whileRunning<T>(kiosk: KioskProcess, what: string, wait: Promise<T>): Promise<T> {
  const exited: Promise<never> = kiosk.exited.then(({ code, signal }) => Promise.reject(new Error(`the kiosk exited (${String(code ?? signal)}) before ${what}`)));
  exited.catch(() => undefined);
  try {
    return await Promise.race([wait, exited]);
  } catch (error) {
    throw new Error(`${(error as Error).message}\nkiosk log tail:\n${logTail(kiosk)}\nkiosk stderr: ${kiosk.stderr.slice(-500)}`);
  }
}
