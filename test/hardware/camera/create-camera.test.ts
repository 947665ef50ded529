import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createCamera, simulatorScriptPath } from '../../../src/hardware/camera/create-camera.js';
import { LogRateLimiter } from '../../../src/hardware/camera/log-rate-limiter.js';
import { createSystemClock } from '../../../src/ops/clock.js';
import { CameraConfig } from '../../../src/ops/config/camera-config.js';
import { createSilentLogger } from '../../../src/ops/logger.js';
import { projectRoot } from '../../support/paths.js';

describe('createCamera and its config', () => {
  it('fills in the capture defaults', () => {
    expect(CameraConfig.parse({ kind: 'simulated' })).toEqual({
      kind: 'simulated',
      fps: 10,
      grabTimeoutMs: 3000,
      maxFrameBytes: 4 * 1024 * 1024,
      stallTimeoutMs: 10_000,
      stopGraceMs: 2000,
      reconnect: { initialMs: 500, maxMs: 30_000 },
    });
    expect(CameraConfig.safeParse({ kind: 'mjpeg-process', command: [] }).success).toBe(false);
    expect(CameraConfig.safeParse({ kind: 'replay' }).success).toBe(false);
  });

  it('runs the compiled simulator: beside the module in dist/, the build of it when running from src/', () => {
    const dist = join(projectRoot, 'dist', 'hardware', 'camera');
    expect(simulatorScriptPath(pathToFileURL(join(dist, 'create-camera.js')).href)).toBe(join(dist, 'mjpeg-simulator-process.js'));
    expect(simulatorScriptPath(pathToFileURL(join(projectRoot, 'src', 'hardware', 'camera', 'create-camera.ts')).href)).toBe(join(dist, 'mjpeg-simulator-process.js'));
    expect(simulatorScriptPath()).toBe(join(dist, 'mjpeg-simulator-process.js'));
  });

  it('builds the real driver for every kind, with a show() control only for the simulated one', () => {
    const deps = { clock: createSystemClock(), logger: createSilentLogger() };
    expect(createCamera(CameraConfig.parse({ kind: 'simulated' }), deps).simulator).toBeDefined();
    expect(createCamera(CameraConfig.parse({ kind: 'replay', source: '.' }), deps).simulator).toBeUndefined();
    const real = createCamera(CameraConfig.parse({ kind: 'mjpeg-process', command: ['rpicam-vid', '-o', '-'] }), deps);
    expect(real.simulator).toBeUndefined();
    expect(real.device.health().state).toBe('stopped');
  });
});

describe('LogRateLimiter', () => {
  it('lets `limit` messages through per window and reports how many it dropped', () => {
    let now = 0;
    const limiter = new LogRateLimiter(2, 1000, () => now);
    expect([limiter.take(), limiter.take(), limiter.take(), limiter.take()]).toEqual([0, 0, undefined, undefined]);
    now = 1000;
    expect([limiter.take(), limiter.take()]).toEqual([2, 0]);
  });
});
