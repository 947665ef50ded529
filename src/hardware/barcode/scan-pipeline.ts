import type { BarcodeDecodingConfig } from '../../ops/config/barcode-config.js';
import type { Clock } from '../../ops/clock.js';
import type { Logger } from '../../ops/logger.js';
import type { Scan, ScannerStats } from './barcode-scanner.js';
import { compileDecodingRules, decodeCode, type CompiledDecodingRules } from './code-decoder.js';
import { DuplicateFilter } from './duplicate-filter.js';

/**
 * What both drivers do once bytes have become a code: drop repeats, decode,
 * count, emit. Bad input is counted and logged in hex here, in one format.
 *
 *   framer / keymap ──code──► DuplicateFilter ──► decodeCode ──► 'scan'
 *                   ──bad───► counter + warn log (hex, first 64 bytes)
 */
export interface ScanPipelineOptions {
  duplicateWindowMs: number;
  decoding: BarcodeDecodingConfig;
  clock: Clock;
  logger: Logger;
  emit: (scan: Scan) => void;
}

/** Bytes shown per bad frame: enough to recognise a pattern, not enough to flood the log. */
const HEX_SAMPLE_BYTES = 64;

export class ScanPipeline {
  private readonly duplicates: DuplicateFilter;
  private readonly rules: CompiledDecodingRules;
  private readonly counters: ScannerStats = { scans: 0, duplicates: 0, badFrames: 0, discardedBytes: 0 };

  constructor(private readonly options: ScanPipelineOptions) {
    this.duplicates = new DuplicateFilter(options.duplicateWindowMs);
    this.rules = compileDecodingRules(options.decoding);
  }

  deliver(code: string): void {
    const { clock, logger } = this.options;
    const uptimeMs = clock.uptimeMs();
    if (!this.duplicates.accept(code, uptimeMs)) {
      this.counters.duplicates += 1;
      logger.debug({ length: code.length }, 'repeated code dropped');
      return;
    }
    const decoded = decodeCode(code, this.rules, { referenceYear: clock.wallNow().getUTCFullYear() });
    this.counters.scans += 1;
    // The code itself is not logged: a consumer session code identifies a person's visit.
    logger.info({ kind: decoded.kind, length: code.length }, 'scan');
    try {
      this.options.emit({ code, uptimeMs, decoded });
    } catch (error) {
      // A listener's bug must not tear down the byte stream that feeds every later scan.
      logger.error({ err: error, kind: decoded.kind }, 'scan listener failed');
    }
  }

  /** A malformed frame or run of bytes was thrown away. */
  reject(reason: string, bytes: Buffer, length = bytes.length): void {
    this.counters.badFrames += 1;
    this.counters.discardedBytes += length;
    this.options.logger.warn(
      { reason, length, hex: bytes.subarray(0, HEX_SAMPLE_BYTES).toString('hex'), truncated: bytes.length > HEX_SAMPLE_BYTES },
      'scanner input discarded',
    );
  }

  stats(): ScannerStats {
    return { ...this.counters };
  }
}
