import type { EventEmitter } from 'node:events';

export interface ByteLinkEvents {
  data: [chunk: Buffer];
  /** The link is usable (first open, or back after an unplug). */
  open: [];
  /** The link went away (unplugged, port error); it keeps trying to come back until close(). */
  lost: [reason: string];
}

/**
 * A byte pipe to a device: a serial port, or one end of an in-memory pair for
 * simulation. Drivers speak their protocol over this and never see which.
 *
 *   device ──bytes──► ByteLink ──'data'──► frame parser ──► driver ──► kiosk
 */
export interface ByteLink extends EventEmitter<ByteLinkEvents> {
  readonly isOpen: boolean;
  /** A name for logs, e.g. the port path. */
  readonly name: string;
  /** Starts opening in the background and keeps reopening after losses; resolves once the first attempt settled. */
  start(): Promise<void>;
  /** Rejects with a KioskError when the link is not open. */
  write(data: Buffer | string): Promise<void>;
  /** Closes for good. */
  close(): Promise<void>;
}
