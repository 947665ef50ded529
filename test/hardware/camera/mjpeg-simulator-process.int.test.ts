/** The camera simulator as a process: how it ends, and what it refuses. */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { simulatorScriptPath } from '../../../src/hardware/camera/create-camera.js';
import { encodeLengthPrefixed } from '../../../src/hardware/camera/length-prefixed-frames.js';
import { MjpegSplitter } from '../../../src/hardware/camera/mjpeg-splitter.js';
import { PLACEHOLDER_FRAME_JPEG } from '../../../src/hardware/camera/placeholder-frame.js';
import { tagFrame } from '../../../src/hardware/simulation/simulated-label.js';
import { waitFor } from '../../support/wait-for.js';

interface Run {
  child: ChildProcess;
  frames: Buffer[];
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

describe('mjpeg-simulator-process', () => {
  const runs: Run[] = [];
  afterEach(async () => {
    for (const run of runs.splice(0)) {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
      await run.exited;
    }
  });

  function simulate(args: string[]): Run {
    const child = spawn(process.execPath, [simulatorScriptPath(), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const splitter = new MjpegSplitter({ maxFrameBytes: 1 << 20 });
    const run: Run = {
      child,
      frames: [],
      stderr: '',
      exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
    };
    child.stdout.on('data', (chunk: Buffer) => run.frames.push(...splitter.push(chunk).frames.map((f) => f.jpeg)));
    child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
    child.stdin.on('error', () => undefined);
    runs.push(run);
    return run;
  }

  it('shows the placeholder, then the latest frame sent on stdin', async () => {
    const run = simulate(['--stdin-frames', '--fps', '30']);
    await waitFor(() => run.frames.length > 0, { description: 'first frame' });
    expect(run.frames[0]).toEqual(PLACEHOLDER_FRAME_JPEG);
    const item = tagFrame(PLACEHOLDER_FRAME_JPEG, { label: 'paper', confidence: 0.8 });
    run.child.stdin!.write(Buffer.concat([encodeLengthPrefixed(tagFrame(PLACEHOLDER_FRAME_JPEG, { label: 'old', confidence: 1 })), encodeLengthPrefixed(item)]));
    await waitFor(() => run.frames.at(-1)?.equals(item), { description: 'the latest frame shown' });
  });

  it('exits cleanly when its stdin ends (the camera is gone)', async () => {
    const run = simulate(['--stdin-frames', '--fps', '30']);
    await waitFor(() => run.frames.length > 0, { description: 'first frame' });
    run.child.stdin!.end();
    expect(await run.exited).toEqual({ code: 0, signal: null });
  });

  it('exits cleanly when nobody reads its stdout any more (EPIPE)', async () => {
    const run = simulate(['--fps', '60']);
    await waitFor(() => run.frames.length > 0, { description: 'first frame' });
    run.child.stdout!.destroy();
    expect(await run.exited).toEqual({ code: 0, signal: null });
  });

  it.each([
    ['a bad --fps', ['--fps', 'fast'], 2],
    ['--fps 0 without --stdin-frames', ['--fps', '0'], 2],
    ['a missing --source', ['--source', '/nonexistent/frames'], 2],
    ['both --source and --stdin-frames', ['--source', '.', '--stdin-frames'], 2],
    ['an unknown option', ['--colour'], 2],
  ])('refuses %s with exit code 2 and a message', async (_name, args, code) => {
    const run = simulate(args);
    expect((await run.exited).code).toBe(code);
    expect(run.stderr).toMatch(/^mjpeg-simulator: /);
  });

  it('exits 3 on a broken control stream', async () => {
    const run = simulate(['--stdin-frames', '--fps', '0']);
    run.child.stdin!.write(Buffer.from([0x7f, 0xff, 0xff, 0xff]));
    expect((await run.exited).code).toBe(3);
  });
});
