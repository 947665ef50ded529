import type { Writable } from 'node:stream';
import { encodeLengthPrefixed } from './length-prefixed-frames.js';

/**
 * What the scenario player holds to change what the simulated camera sees:
 * `show(jpeg)` sends the frame down the simulator process's stdin, and the
 * simulator writes it to its MJPEG output from then on. The scene survives a
 * restart of the simulator: each new child is sent the current scene first.
 */
export class SimulatedCameraControl {
  private scene: Buffer | undefined;
  private stdin: Writable | undefined;

  /** The JPEG the camera sees from now on. */
  show(jpeg: Buffer): void {
    if (jpeg.length < 2 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('show() needs a JPEG (no SOI marker)');
    this.scene = jpeg;
    this.send(jpeg);
  }

  /** The camera calls this with each new simulator child's stdin. */
  attach(stdin: Writable): void {
    this.stdin = stdin;
    if (this.scene) this.send(this.scene);
  }

  private send(jpeg: Buffer): void {
    const stdin = this.stdin;
    // Between a simulator's death and its restart there is no one to tell; attach() catches up.
    if (!stdin || stdin.destroyed || !stdin.writable) return;
    stdin.write(encodeLengthPrefixed(jpeg));
  }
}
