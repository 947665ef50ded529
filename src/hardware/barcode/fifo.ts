import { execFile } from 'node:child_process';
import { constants, open } from 'node:fs';
import { lstat, unlink } from 'node:fs/promises';
import { Socket } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);
const openFd = promisify(open);

/**
 * The writing end of a named pipe (FIFO), standing in for an event device
 * node. Node has no mkfifo(), so coreutils' mkfifo makes it.
 *
 * The writer opens O_RDWR: on Linux that never blocks waiting for a reader
 * (fifo(7)), so the simulator can be up before the driver. Writes go through
 * a net.Socket (libuv pipe, non-blocking) rather than fs.write, which would
 * tie up a pool thread whenever the pipe is full.
 */
export class FifoWriter {
  private socket: Socket | undefined;

  constructor(readonly path: string) {}

  get isOpen(): boolean {
    return this.socket !== undefined && !this.socket.destroyed;
  }

  /** Makes the FIFO if missing and opens it; the path then exists until close(). */
  async open(): Promise<void> {
    if (this.isOpen) return;
    const existing = await lstat(this.path).catch(() => undefined);
    if (!existing) await run('mkfifo', ['-m', '600', this.path]);
    else if (!existing.isFIFO()) throw new Error(`${this.path} exists and is not a FIFO`);
    // A plain descriptor, not a FileHandle: the socket owns it from here, and a FileHandle would close it when collected.
    const fd = await openFd(this.path, constants.O_RDWR);
    const socket = new Socket({ fd, readable: false, writable: true });
    socket.on('error', () => undefined);
    this.socket = socket;
  }

  write(bytes: Buffer): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.destroyed) return Promise.reject(new Error(`FIFO ${this.path} is not open`));
    return new Promise((resolve, reject) => socket.write(bytes, (error) => (error ? reject(error) : resolve())));
  }

  /** Closes the writing end (the reader sees end of stream) and removes the path, as an unplugged device node vanishes. */
  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket && !socket.destroyed) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.destroy();
      });
    }
    await unlink(this.path).catch(() => undefined);
  }
}
