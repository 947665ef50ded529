import { readComments, withComment } from '../camera/jpeg-comment.js';

/**
 * The tag the simulated camera writes into a frame: what the scenario says the
 * item is. Only the scenario classifier reads it; a real model ignores it.
 */
const PREFIX = 'kiosk-sim:';

export interface SimulatedLabel {
  label: string;
  confidence: number;
}

export function tagFrame(jpeg: Buffer, truth: SimulatedLabel): Buffer {
  return withComment(jpeg, PREFIX + JSON.stringify(truth));
}

export function readFrameTag(jpeg: Buffer): SimulatedLabel | undefined {
  for (const comment of readComments(jpeg)) {
    if (!comment.startsWith(PREFIX)) continue;
    try {
      const value = JSON.parse(comment.slice(PREFIX.length)) as Partial<SimulatedLabel>;
      if (typeof value.label === 'string' && typeof value.confidence === 'number') {
        return { label: value.label, confidence: value.confidence };
      }
    } catch {
      // A malformed tag is the same as no tag: the frame shows nothing known.
    }
  }
  return undefined;
}
