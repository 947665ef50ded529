import { constants, open as openCallback } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';

const openFd = promisify(openCallback);

/**
 * The byte stream of an input device path, opened the way its file type needs:
 *
 * - an event device (character device, /dev/input/event*): a plain fs read
 *   stream. Each read blocks one libuv pool thread until a key comes and
 *   cannot be cancelled, except by EVIOCREVOKE; harmless to others, because
 *   the kernel gives every open file its own copy of each event.
 * - a FIFO (the simulator's stand-in): opened non-blocking and read through a
 *   net.Socket (epoll, cancellable). A pipe, unlike an event device, shares its
 *   bytes among readers, so a blocked read left behind by a stopped driver
 *   would steal the next code from its restarted successor.
 */
export interface InputSource {
  /** The descriptor, for ioctls; valid until destroy(). */
  readonly fd: number;
  readonly kind: 'event-device' | 'fifo';
  /** Emits 'data' (Buffer), 'end', 'error'. */
  readonly stream: Readable;
  /** Stops reading and closes the descriptor, at once or (event device) once its pending read returns. */
  destroy(): void;
}

/** Bytes per read of an event device: whole 24-byte records, a few reads per scan. */
const EVENT_READ_SIZE = 24 * 64;

export async function openInputSource(path: string): Promise<InputSource> {
  const info = await stat(path);
  if (info.isFIFO()) {
    const fd = await openFd(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const socket = new Socket({ fd, readable: true, writable: false });
    return { fd, kind: 'fifo', stream: socket, destroy: () => socket.destroy() };
  }
  const handle = await open(path, 'r');
  const stream = handle.createReadStream({ highWaterMark: EVENT_READ_SIZE });
  return { fd: handle.fd, kind: 'event-device', stream, destroy: () => stream.destroy() };
}
