import type { Logger } from '../../ops/logger.js';
import type { RejectedLine } from './line-decoder.js';

/** Hex shown per bad frame; an overlong line is cut, its length still logged. */
const MAX_HEX_BYTES = 64;
/** After the first warning, one warning per this many bad frames (each is still logged at debug). */
const WARN_EVERY = 100;

/**
 * Counts and logs the bytes a decoder threw away. A scale on the wrong baud
 * rate produces nothing but bad frames, so warnings are thinned out to keep
 * the log readable while every frame stays visible at debug level.
 */
export class BadFrameLog {
  private total = 0;

  constructor(private readonly logger: Logger) {}

  report(rejected: RejectedLine<string>): void {
    this.total += 1;
    const facts = {
      reason: rejected.reason,
      hex: rejected.bytes.subarray(0, MAX_HEX_BYTES).toString('hex'),
      length: rejected.bytes.length,
      badFrames: this.total,
    };
    if (this.total === 1 || this.total % WARN_EVERY === 0) this.logger.warn(facts, 'unreadable scale data discarded');
    else this.logger.debug(facts, 'unreadable scale data discarded');
  }

  get count(): number {
    return this.total;
  }
}
