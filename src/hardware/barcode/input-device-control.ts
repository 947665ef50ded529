import { createRequire } from 'node:module';

/**
 * The ioctls the HID driver needs on an event device, behind a seam: Node has
 * no ioctl of its own, so they come from the native `ioctl` package when it is
 * installed, and report "unavailable" when it is not. Nothing here throws.
 *
 * - EVIOCGRAB 1/0: take the device exclusively, so a scan does not also type
 *   into the console or a shell on the kiosk's display; release it.
 * - EVIOCREVOKE: make the pending read() return ENODEV. A read on an event
 *   device blocks a libuv pool thread until the next key; without revoke, a
 *   stopped driver's last read (and so the process) lingers until a key comes.
 */
export type ControlResult = { ok: true } | { ok: false; reason: 'unavailable' | 'failed'; detail: string };

export interface InputDeviceControl {
  grab(fd: number): ControlResult;
  release(fd: number): ControlResult;
  revoke(fd: number): ControlResult;
}

/** _IOW('E', 0x90, int) and _IOW('E', 0x91, int) from linux/input.h. */
export const EVIOCGRAB = 0x40044590;
export const EVIOCREVOKE = 0x40044591;

/** The `ioctl` package's export: ioctl(fd, request, intArgOrBuffer), throws an errno error on failure. */
export type IoctlFunction = (fd: number, request: number, argument?: number | Buffer) => number;

export function ioctlInputControl(ioctl: IoctlFunction): InputDeviceControl {
  const call = (fd: number, request: number, argument: number): ControlResult => {
    try {
      ioctl(fd, request, argument);
      return { ok: true };
    } catch (error) {
      const { code, message } = error as NodeJS.ErrnoException;
      return { ok: false, reason: 'failed', detail: code ?? message };
    }
  };
  return {
    grab: (fd) => call(fd, EVIOCGRAB, 1),
    release: (fd) => call(fd, EVIOCGRAB, 0),
    revoke: (fd) => call(fd, EVIOCREVOKE, 0),
  };
}

export function unavailableInputControl(detail: string): InputDeviceControl {
  const result: ControlResult = { ok: false, reason: 'unavailable', detail };
  return { grab: () => result, release: () => result, revoke: () => result };
}

/** Loads the `ioctl` package if it is installed (an optional native dependency), else a control that says so. */
export function loadInputDeviceControl(require: (id: string) => unknown = createRequire(import.meta.url)): InputDeviceControl {
  try {
    const loaded = require('ioctl');
    if (typeof loaded !== 'function') return unavailableInputControl('the ioctl package has an unexpected shape');
    return ioctlInputControl(loaded as IoctlFunction);
  } catch (error) {
    return unavailableInputControl(`grab unavailable: the native "ioctl" package is not installed (${(error as Error).message.split('\n')[0]})`);
  }
}
