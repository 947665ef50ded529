/**
 * The control side of a scanner simulator, as the scenario player and tests
 * hold it. Each simulator speaks its real wire protocol (serial bytes or
 * Linux input events) to the real driver; none emits scans itself.
 *
 * No method rejects: the scenario player calls present() without awaiting
 * it, and an unplugged scanner simply delivers nothing (the result says so).
 */
export interface PresentOptions {
  /** Write the code in pieces of this many bytes, as a slow serial scanner or a split USB transfer would. */
  chunkSize?: number;
  /** Pause between pieces, in ms. */
  chunkDelayMs?: number;
  /** Leave out the suffix (serial) or the Enter key (HID): the driver must fall back on its timeout or drop it. */
  terminate?: boolean;
}

export interface BarcodeScannerSimulator {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A code is held in front of the scanner. Resolves true once its bytes were handed to the wire. */
  present(code: string, options?: PresentOptions): Promise<boolean>;
  /** Fault injection: raw bytes on the wire (line noise, a corrupted record). */
  sendRaw(bytes: Buffer): Promise<boolean>;
  /** Fault injection: a read far longer than any code, ended normally. */
  presentOverlong(length: number): Promise<boolean>;
  /** The cable is pulled: the device node disappears. */
  unplug(): Promise<void>;
  /** The cable is back. */
  replug(): Promise<void>;
}
