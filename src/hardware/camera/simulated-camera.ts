import { EventEmitter } from 'node:events';
import type { Clock } from '../../ops/clock.js';
import type { DeviceHealth } from '../device.js';
import type { Camera, CameraEvents, Frame } from './camera.js';
import { PLACEHOLDER_FRAME_JPEG } from './placeholder-frame.js';

/**
 * Shows whatever the scenario placed in the chamber; an empty chamber is the placeholder frame.
 * Superseded by MjpegProcessCamera over the simulator process (create-camera.ts); kept until the lead removes it.
 */
export class SimulatedCamera extends EventEmitter<CameraEvents> implements Camera {
  private running = false;
  private scene: Buffer = PLACEHOLDER_FRAME_JPEG;

  constructor(private readonly clock: Clock) {
    super();
  }

  async start(): Promise<void> {
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
  }

  health(): DeviceHealth {
    return { state: this.running ? 'running' : 'stopped' };
  }

  /** Simulation control: the JPEG the camera sees from now on. */
  show(jpeg: Buffer): void {
    this.scene = jpeg;
  }

  async grab(): Promise<Frame> {
    return { jpeg: this.scene, uptimeMs: this.clock.uptimeMs() };
  }
}
