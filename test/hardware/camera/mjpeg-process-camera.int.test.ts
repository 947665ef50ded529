/**
 * The real MjpegProcessCamera against real child processes: the camera
 * simulator (dist/, built by the global setup), `cat` as a byte pipe the
 * test controls exactly, a shell writing garbage, and commands that die,
 * stall or do not exist.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { PassThrough, type Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Frame } from '../../../src/hardware/camera/camera.js';
import { createCamera, simulatorScriptPath } from '../../../src/hardware/camera/create-camera.js';
import { readComments, withComment } from '../../../src/hardware/camera/jpeg-comment.js';
import { MjpegProcessCamera, type CaptureSettings } from '../../../src/hardware/camera/mjpeg-process-camera.js';
import { PLACEHOLDER_FRAME_JPEG } from '../../../src/hardware/camera/placeholder-frame.js';
import { SimulatedCameraControl } from '../../../src/hardware/camera/simulated-camera-control.js';
import { readFrameTag, tagFrame } from '../../../src/hardware/simulation/simulated-label.js';
import type { KioskError } from '../../../src/ops/errors.js';
import { createSystemClock } from '../../../src/ops/clock.js';
import { CameraConfig } from '../../../src/ops/config/camera-config.js';
import { ErrorCode } from '../../../src/ops/errors.js';
import { createLogger, createSilentLogger, type Logger } from '../../../src/ops/logger.js';
import { makeTempDir, type TempDir } from '../../support/temp-dir.js';
import { captureLogs } from '../barcode/log-capture.js';
import { waitFor } from '../../support/wait-for.js';

const clock = createSystemClock();
const logger = createSilentLogger();
const settings: CaptureSettings = {
  grabTimeoutMs: 10_000,
  maxFrameBytes: 1024 * 1024,
  stallTimeoutMs: 20_000,
  stopGraceMs: 2000,
  reconnect: { initialMs: 20, maxMs: 200 },
};
const frameA = tagFrame(PLACEHOLDER_FRAME_JPEG, { label: 'A', confidence: 1 });
const frameB = tagFrame(PLACEHOLDER_FRAME_JPEG, { label: 'B', confidence: 1 });
const frameC = tagFrame(PLACEHOLDER_FRAME_JPEG, { label: 'C', confidence: 1 });
const label = (frame: Frame | undefined): string | undefined => (frame ? readFrameTag(frame.jpeg)?.label : undefined);
const stamp = (frame: Frame): number => Number(readComments(frame.jpeg).find((c) => c.startsWith('mjpeg-sim:frame='))?.slice(16));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Pids in process group `pgid` that still run. Zombies do not count: they
 * are dead, waiting for their parent (init, for a dead shell's commands) to reap them.
 */
function liveGroupMembers(pgid: number): number[] {
  const live: number[] = [];
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // Fields after "(comm) ": state, ppid, pgrp, ...
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') live.push(Number(entry));
  }
  return live;
}

describe('MjpegProcessCamera with real child processes', () => {
  let dir: TempDir;
  let cameras: MjpegProcessCamera[];
  let pids: Set<number>;

  beforeEach(() => {
    dir = makeTempDir('kiosk-camera-');
    cameras = [];
    pids = new Set();
  });

  afterEach(async () => {
    for (const camera of cameras) await camera.stop();
    dir.remove();
    // Nothing left running by any test: no child (reaped, not even a zombie) and nothing it started.
    for (const pid of pids) {
      expect(alive(pid), `child ${pid} still exists`).toBe(false);
      expect(liveGroupMembers(pid), `processes left in group ${pid}`).toEqual([]);
    }
  });

  /** Tracks a camera for afterEach, and every pid it spawns. */
  function track<T extends MjpegProcessCamera>(camera: T): T {
    cameras.push(camera);
    camera.on('frame', () => {
      if (camera.pid !== undefined) pids.add(camera.pid);
    });
    return camera;
  }

  function camera(
    command: string[],
    overrides: Partial<CaptureSettings> = {},
    onSpawn?: (stdin: Writable) => void,
    log: Logger = logger,
  ): MjpegProcessCamera {
    const created = new MjpegProcessCamera({ command, settings: { ...settings, ...overrides }, clock, logger: log, ...(onSpawn ? { onSpawn } : {}) });
    return track(created);
  }

  function simulator(args: string[], overrides: Partial<CaptureSettings> = {}): { camera: MjpegProcessCamera; control: SimulatedCameraControl } {
    const control = new SimulatedCameraControl();
    return { camera: camera([process.execPath, simulatorScriptPath(), ...args], overrides, (stdin) => control.attach(stdin)), control };
  }

  it('grab() resolves with a frame that started arriving after the call: not the buffered one, not the half-received one', async () => {
    let stdin: Writable | undefined;
    const cam = camera(['cat'], {}, (input) => (stdin = input));
    await cam.start();
    await waitFor(() => stdin, { description: 'cat started' });
    if (cam.pid !== undefined) pids.add(cam.pid);
    stdin!.write(frameA);
    await waitFor(() => label(cam.latestFrame()) === 'A', { description: 'frame A received' });
    const half = Math.floor(frameB.length / 2);
    stdin!.write(frameB.subarray(0, half));
    await waitFor(() => cam.stats().bytesReceived === frameA.length + half, { description: 'half of frame B received' });

    const grabbed = cam.grab();
    stdin!.write(Buffer.concat([frameB.subarray(half), frameC]));
    expect(label(await grabbed)).toBe('C');
    expect(label(cam.latestFrame())).toBe('C');
  });

  it('grab() right after show(B) returns B, never the A that was the latest frame (simulator writing on change)', async () => {
    const { camera: cam, control } = simulator(['--stdin-frames', '--fps', '0']);
    await cam.start();
    await waitFor(() => cam.latestFrame()?.jpeg.equals(PLACEHOLDER_FRAME_JPEG), { description: 'placeholder at start' });
    control.show(frameA);
    await waitFor(() => label(cam.latestFrame()) === 'A', { description: 'frame A flowing' });
    for (const next of [frameB, frameC, frameA]) {
      control.show(next);
      const frame = await cam.grab();
      expect(frame.jpeg).toEqual(next);
    }
  });

  it('never returns a frame that was complete when grab() was called (numbered frames at 50 fps)', async () => {
    const { camera: cam } = simulator(['--fps', '50', '--stamp']);
    let newest = 0;
    cam.on('frame', (frame) => (newest = Math.max(newest, stamp(frame))));
    await cam.start();
    await waitFor(() => newest >= 3, { description: 'frames flowing' });
    for (let i = 0; i < 10; i += 1) {
      const [before, calledAt] = [newest, clock.uptimeMs()];
      const frame = await cam.grab();
      expect(stamp(frame)).toBeGreaterThan(before);
      expect(frame.uptimeMs).toBeGreaterThanOrEqual(calledAt);
    }
  });

  it('runs the simulated kind from config: the placeholder, then what the scenario shows', async () => {
    const config = CameraConfig.parse({ kind: 'simulated', fps: 20, reconnect: { initialMs: 20, maxMs: 200 } });
    const { device, simulator: control } = createCamera(config, { clock, logger });
    track(device);
    expect(control).toBeDefined();
    await device.start();
    expect((await device.grab()).jpeg).toEqual(PLACEHOLDER_FRAME_JPEG);
    control!.show(tagFrame(PLACEHOLDER_FRAME_JPEG, { label: 'cardboard', confidence: 0.9 }));
    await waitFor(async () => readFrameTag((await device.grab()).jpeg)?.label === 'cardboard', { description: 'the shown item in a fresh frame' });
    expect(device.health().state).toBe('running');
  });

  it('replays a folder of JPEGs in name order, in a loop, skipping other files', async () => {
    writeFileSync(dir.file('01.jpg'), frameA);
    writeFileSync(dir.file('02.jpeg'), frameB);
    writeFileSync(dir.file('03.JPG'), frameC);
    writeFileSync(dir.file('notes.txt'), 'not a frame');
    const config = CameraConfig.parse({ kind: 'replay', source: dir.path, fps: 40 });
    const { device, simulator: control } = createCamera(config, { clock, logger });
    track(device);
    expect(control).toBeUndefined();
    const seen: string[] = [];
    device.on('frame', (frame) => seen.push(label(frame) ?? '?'));
    await device.start();
    await waitFor(() => seen.length >= 7, { description: 'seven replayed frames' });
    expect(seen.slice(0, 7)).toEqual(['A', 'B', 'C', 'A', 'B', 'C', 'A']);
  });

  it('replays one MJPEG file holding several frames', async () => {
    writeFileSync(dir.file('clip.mjpeg'), Buffer.concat([frameC, frameB]));
    const { camera: cam } = simulator(['--source', dir.file('clip.mjpeg'), '--fps', '40']);
    const seen: string[] = [];
    cam.on('frame', (frame) => seen.push(label(frame) ?? '?'));
    await cam.start();
    await waitFor(() => seen.length >= 4, { description: 'four replayed frames' });
    expect(seen.slice(0, 4)).toEqual(['C', 'B', 'C', 'B']);
  });

  it('treats a killed child as an unplugged camera: fault, restart with backoff, recovered, same scene, grab works again', async () => {
    const { camera: cam, control } = simulator(['--stdin-frames', '--fps', '20']);
    const faults: KioskError[] = [];
    let recoveries = 0;
    cam.on('fault', (error) => faults.push(error));
    cam.on('recovered', () => (recoveries += 1));
    await cam.start();
    control.show(frameB);
    await waitFor(() => label(cam.latestFrame()) === 'B', { description: 'frame B flowing' });
    const firstPid = cam.pid!;
    pids.add(firstPid);

    process.kill(firstPid, 'SIGKILL');
    await waitFor(() => faults.length === 1, { description: 'fault reported' });
    expect(faults[0]).toMatchObject({ code: ErrorCode.HardwareFault, context: { reason: 'exited', signal: 'SIGKILL' } });
    await waitFor(() => recoveries === 1, { description: 'recovered' });
    expect(cam.health().state).toBe('running');
    expect(cam.pid).not.toBe(firstPid);
    expect(label(await cam.grab())).toBe('B');
    expect(faults).toHaveLength(1);
    expect(cam.stats().restarts).toBe(1);
  });

  it('faults with a clear error when the command does not exist, and keeps retrying', async () => {
    const cam = camera(['/nonexistent/rpicam-vid', '--codec', 'mjpeg'], { grabTimeoutMs: 200 });
    const faults: KioskError[] = [];
    cam.on('fault', (error) => faults.push(error));
    await cam.start();
    await waitFor(() => cam.stats().restarts >= 3, { description: 'three attempts' });
    expect(faults).toHaveLength(1);
    expect(faults[0]).toMatchObject({ code: ErrorCode.HardwareFault, context: { reason: 'spawn-failed', errno: 'ENOENT', command: '/nonexistent/rpicam-vid' } });
    expect(cam.health()).toMatchObject({ state: 'faulted' });
    await expect(cam.grab()).rejects.toMatchObject({ code: ErrorCode.HardwareTimeout });
  });

  it('waits longer before each restart of a child that keeps failing: the backoff window doubles up to its ceiling', async () => {
    const { logger: log, lines } = captureLogs();
    // Jitter pinned near the top of the window, so each delay shows the window: floor(0.999 * min(200, 20 * 2^n)).
    const cam = track(
      new MjpegProcessCamera({
        command: ['/nonexistent/rpicam-vid'],
        settings: { ...settings, grabTimeoutMs: 200, reconnect: { initialMs: 20, maxMs: 200 } },
        clock,
        logger: log,
        random: () => 0.999,
      }),
    );
    const restarts = () => lines().filter((line) => line.msg === 'camera process gone; restarting');
    await cam.start();
    await waitFor(() => restarts().length >= 6, { description: 'six restarts' });
    const logged = restarts().slice(0, 6);
    const delays = logged.map((line) => line.delayMs as number);
    expect(delays).toEqual([19, 39, 79, 159, 199, 199]);
    // And the attempts really are that far apart: each failure comes at least its predecessor's delay after it.
    const times = logged.map((line) => Date.parse(line.time as string));
    for (let n = 1; n < times.length; n++) expect(times[n]! - times[n - 1]!).toBeGreaterThanOrEqual(delays[n - 1]! - 2);
    expect(cam.stats().restarts).toBeGreaterThanOrEqual(6);
  });

  it('survives a child that writes garbage: junk counted and logged in bounded hex, the frames after it found', async () => {
    writeFileSync(dir.file('frame.jpg'), frameC);
    const lines: Array<{ msg: string; head?: string }> = [];
    const sink = new PassThrough();
    let pending = '';
    sink.on('data', (chunk: Buffer) => {
      const text = pending + chunk.toString();
      const complete = text.split('\n');
      pending = complete.pop() ?? '';
      lines.push(...complete.map((line) => JSON.parse(line) as { msg: string; head?: string }));
    });
    const script = 'head -c 100000 /dev/urandom; while :; do cat "$1"; sleep 0.05; done';
    const cam = camera(['sh', '-c', script, 'sh', dir.file('frame.jpg')], { maxFrameBytes: 64 * 1024 }, undefined, createLogger({ level: 'debug', pretty: false }, sink));
    await cam.start();
    if (cam.pid !== undefined) pids.add(cam.pid);
    expect((await cam.grab()).jpeg).toEqual(frameC);
    expect(cam.stats().discardedBytes).toBeGreaterThan(0);
    expect(cam.health().state).toBe('running');
    const junk = await waitFor(() => lines.find((line) => line.msg === 'camera bytes discarded'), { description: 'a discard logged' });
    expect(junk.head).toMatch(/^([0-9a-f]{2}){1,32}$/);
  });

  it('restarts a child that stops writing frames', async () => {
    const cam = camera(['sleep', '1000'], { stallTimeoutMs: 500 });
    const faults: KioskError[] = [];
    cam.on('fault', (error) => faults.push(error));
    await cam.start();
    if (cam.pid !== undefined) pids.add(cam.pid);
    await waitFor(() => faults.length === 1, { description: 'stall fault' });
    expect(faults[0]).toMatchObject({ code: ErrorCode.HardwareFault, context: { reason: 'stalled' } });
    await waitFor(() => cam.pid !== undefined && !pids.has(cam.pid), { description: 'a new child' });
    pids.add(cam.pid!);
  });

  it('grab() fails with HardwareTimeout when no frame comes, and with HardwareFault when not started or stopped', async () => {
    const { camera: cam } = simulator(['--stdin-frames', '--fps', '0'], { grabTimeoutMs: 300 });
    await expect(cam.grab()).rejects.toMatchObject({ code: ErrorCode.HardwareFault });
    await cam.start();
    await waitFor(() => cam.latestFrame(), { description: 'the one placeholder frame' });
    await expect(cam.grab()).rejects.toMatchObject({ code: ErrorCode.HardwareTimeout });
    const pending = cam.grab().catch((error: unknown) => error);
    await cam.stop();
    expect(await pending).toMatchObject({ code: ErrorCode.HardwareFault });
    expect(cam.health().state).toBe('stopped');
  });

  it('stop() ends the whole child process group, SIGKILL after the grace time if SIGTERM is ignored', async () => {
    const script = 'trap "" TERM; cat "$1"; while :; do sleep 0.05; done';
    writeFileSync(dir.file('frame.jpg'), withComment(frameA, 'from a stubborn child'));
    const cam = camera(['sh', '-c', script, 'sh', dir.file('frame.jpg')], { stopGraceMs: 200 });
    await cam.start();
    await waitFor(() => cam.latestFrame(), { description: 'a frame' });
    const pid = cam.pid!;
    pids.add(pid);
    await waitFor(() => liveGroupMembers(pid).length === 2, { description: 'the shell and its sleep running' });
    await cam.stop();
    expect(alive(pid)).toBe(false);
    expect(liveGroupMembers(pid)).toEqual([]);
    expect(cam.pid).toBeUndefined();
  });
});
