import { describe, expect, it } from 'vitest';
import { readComments, withComment } from '../../src/hardware/camera/jpeg-comment.js';
import { PLACEHOLDER_FRAME_JPEG } from '../../src/hardware/camera/placeholder-frame.js';
import { readFrameTag, tagFrame } from '../../src/hardware/simulation/simulated-label.js';

describe('JPEG comment tagging of simulated frames', () => {
  it('round-trips a tag and keeps the image bytes after it', () => {
    const tagged = tagFrame(PLACEHOLDER_FRAME_JPEG, { label: 'cardboard', confidence: 0.9 });
    expect(readFrameTag(tagged)).toEqual({ label: 'cardboard', confidence: 0.9 });
    expect(tagged.subarray(tagged.length - PLACEHOLDER_FRAME_JPEG.length + 2)).toEqual(PLACEHOLDER_FRAME_JPEG.subarray(2));
  });

  it('finds no tag in an untagged frame, a foreign comment or garbage', () => {
    expect(readFrameTag(PLACEHOLDER_FRAME_JPEG)).toBeUndefined();
    expect(readFrameTag(withComment(PLACEHOLDER_FRAME_JPEG, 'made by a camera'))).toBeUndefined();
    expect(readFrameTag(withComment(PLACEHOLDER_FRAME_JPEG, 'kiosk-sim:{not json'))).toBeUndefined();
    expect(readComments(Buffer.from([0xff, 0xd8, 0xff, 0xfe, 0xff, 0xff, 0x00]))).toEqual([]);
    expect(readComments(Buffer.from('not a jpeg'))).toEqual([]);
  });

  it('refuses to tag something that is not a JPEG', () => {
    expect(() => withComment(Buffer.from('GIF89a'), 'x')).toThrow(/not a JPEG/);
  });
});
