/**
 * The camera simulator: a process that writes MJPEG to stdout like
 * `rpicam-vid --codec mjpeg -o -`, so the simulated kiosk runs the real
 * MjpegProcessCamera against it.
 *
 *   node mjpeg-simulator-process.js [--fps N] [--source <dir|file>] [--stdin-frames] [--stamp]
 *
 * - `--source`: replays a folder of .jpg/.jpeg files (name order) or one
 *   JPEG/MJPEG file, in a loop.
 * - `--stdin-frames`: shows the most recent frame received on stdin, each
 *   sent as a 4-byte big-endian length + JPEG (length-prefixed-frames.ts);
 *   a new frame is written at once, then repeated at --fps.
 * - Neither: the placeholder frame, as does --stdin-frames until a frame arrives.
 * - `--fps 0` (with --stdin-frames): write a frame only when one arrives.
 * - `--stamp`: add a JPEG comment "mjpeg-sim:frame=<n>" to every frame written.
 *
 * Exits 0 when stdout closes (EPIPE) or, with --stdin-frames, when stdin ends:
 * either way the camera that read it is gone. Exits 2 on bad arguments or
 * sources, 3 on a broken stdin stream.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { withComment } from './jpeg-comment.js';
import { LengthPrefixedDecoder } from './length-prefixed-frames.js';
import { MjpegSplitter } from './mjpeg-splitter.js';
import { PLACEHOLDER_FRAME_JPEG } from './placeholder-frame.js';

const MAX_FRAME_BYTES = 16 * 1024 * 1024;

function fail(message: string, code = 2): never {
  process.stderr.write(`mjpeg-simulator: ${message}\n`);
  process.exit(code);
}

function splitFile(path: string): Buffer[] {
  const splitter = new MjpegSplitter({ maxFrameBytes: MAX_FRAME_BYTES });
  const frames = splitter.push(readFileSync(path)).frames.map((frame) => frame.jpeg);
  splitter.flush();
  if (frames.length === 0) process.stderr.write(`mjpeg-simulator: no JPEG frame in ${path}; skipped\n`);
  return frames;
}

function loadSource(source: string): Buffer[] {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(source).isDirectory();
  } catch (error) {
    fail(`cannot read --source ${source}: ${(error as Error).message}`);
  }
  const files = isDirectory
    ? readdirSync(source)
        .filter((name) => /\.jpe?g$/i.test(name))
        .sort()
        .map((name) => join(source, name))
    : [source];
  const frames = files.flatMap(splitFile);
  if (frames.length === 0) fail(`no JPEG frames in --source ${source}`);
  return frames;
}

function main(): void {
  let values: { fps?: string; source?: string; 'stdin-frames'?: boolean; stamp?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        fps: { type: 'string', default: '10' },
        source: { type: 'string' },
        'stdin-frames': { type: 'boolean', default: false },
        stamp: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  const fps = Number(values.fps);
  const fromStdin = values['stdin-frames'] === true;
  if (!Number.isFinite(fps) || fps < 0 || fps > 120) fail(`--fps must be a number from 0 to 120, not ${values.fps}`);
  if (fps === 0 && !fromStdin) fail('--fps 0 (write on change) needs --stdin-frames');
  if (fromStdin && values.source !== undefined) fail('--source and --stdin-frames exclude each other');

  const frames = values.source === undefined ? [PLACEHOLDER_FRAME_JPEG] : loadSource(values.source);
  let next = 0;
  let written = 0;
  let draining = false;

  // The reader is gone (the camera stopped or died): nothing left to do.
  process.stdout.on('error', () => process.exit(0));
  process.stdout.on('drain', () => (draining = false));

  const writeFrame = (): void => {
    // Like a camera whose reader falls behind: drop frames rather than queue them.
    if (draining) return;
    const frame = frames[next % frames.length]!;
    if (frames.length > 1) next = (next + 1) % frames.length;
    written += 1;
    draining = !process.stdout.write(values.stamp ? withComment(frame, `mjpeg-sim:frame=${written}`) : frame);
  };

  if (fromStdin) {
    const decoder = new LengthPrefixedDecoder(MAX_FRAME_BYTES);
    process.stdin.on('data', (chunk: Buffer) => {
      const result = decoder.push(chunk);
      if (result.error) fail(`stdin: ${result.error}`, 3);
      const latest = result.frames.at(-1);
      if (!latest) return;
      frames[0] = latest;
      draining = false; // a new scene is shown even if the last frame was not yet taken
      writeFrame();
    });
    process.stdin.on('end', () => process.exit(0));
  }

  writeFrame();
  if (fps > 0) setInterval(writeFrame, 1000 / fps);
}

main();
