import { existsSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../../ops/clock.js';
import type { CameraConfig } from '../../ops/config/camera-config.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';
import type { Logger } from '../../ops/logger.js';
import { MjpegProcessCamera, type CaptureSettings } from './mjpeg-process-camera.js';
import { SimulatedCameraControl } from './simulated-camera-control.js';

export interface CreatedCamera {
  device: MjpegProcessCamera;
  /** The simulator's control (show a JPEG); only for kind "simulated". */
  simulator?: SimulatedCameraControl;
}

const SIMULATOR_SCRIPT = 'mjpeg-simulator-process.js';

/**
 * Where the compiled simulator script is. From dist/ it sits beside this
 * module. From src/ (tsx, vitest) node cannot run the .ts without a loader,
 * and handing the child tsx would run a different artefact than a kiosk
 * ships; so it runs the build in dist/ (vitest's global setup builds it).
 */
export function simulatorScriptPath(moduleUrl: string = import.meta.url): string {
  const here = fileURLToPath(moduleUrl);
  if (here.endsWith('.js')) return join(dirname(here), SIMULATOR_SCRIPT);
  const parts = dirname(here).split(sep);
  const src = parts.lastIndexOf('src');
  if (src < 0) throw new KioskError(ErrorCode.HardwareUnsupported, `cannot locate the camera simulator from ${here}`);
  return join(parts.slice(0, src).join(sep) || sep, 'dist', ...parts.slice(src + 1), SIMULATOR_SCRIPT);
}

function simulatorCommand(args: string[]): string[] {
  const script = simulatorScriptPath();
  if (!existsSync(script)) {
    throw new KioskError(ErrorCode.HardwareUnsupported, `camera simulator ${script} is missing: run "npm run build"`, { script });
  }
  return [process.execPath, script, ...args];
}

/**
 * The camera per device-config. Every kind is the real MjpegProcessCamera;
 * only the child differs: the simulator showing the scenario's frames, the
 * simulator replaying recorded ones, or a real camera command.
 */
export function createCamera(config: CameraConfig, { clock, logger }: { clock: Clock; logger: Logger }): CreatedCamera {
  const settings: CaptureSettings = {
    grabTimeoutMs: config.grabTimeoutMs,
    maxFrameBytes: config.maxFrameBytes,
    stallTimeoutMs: config.stallTimeoutMs,
    stopGraceMs: config.stopGraceMs,
    reconnect: config.reconnect,
  };
  const cameraLogger = logger.child({ device: 'camera' });
  switch (config.kind) {
    case 'simulated': {
      const simulator = new SimulatedCameraControl();
      const command = simulatorCommand(['--stdin-frames', '--fps', String(config.fps)]);
      const device = new MjpegProcessCamera({ command, settings, clock, logger: cameraLogger, onSpawn: (stdin) => simulator.attach(stdin) });
      return { device, simulator };
    }
    case 'replay': {
      const command = simulatorCommand(['--source', resolve(config.source), '--fps', String(config.fps)]);
      return { device: new MjpegProcessCamera({ command, settings, clock, logger: cameraLogger }) };
    }
    case 'mjpeg-process':
      return { device: new MjpegProcessCamera({ command: config.command, settings, clock, logger: cameraLogger }) };
  }
}
