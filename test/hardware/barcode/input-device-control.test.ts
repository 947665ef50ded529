import { closeSync, openSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EVIOCGRAB,
  EVIOCREVOKE,
  ioctlInputControl,
  loadInputDeviceControl,
  type IoctlFunction,
} from '../../../src/hardware/barcode/input-device-control.js';
import { makeTempDir, type TempDir } from '../../support/temp-dir.js';

describe('input device control (ioctl seam)', () => {
  it('uses the linux/input.h request numbers: _IOW(E, 0x90/0x91, int)', () => {
    const ioc = (nr: number): number => ((1 << 30) | (4 << 16) | ('E'.charCodeAt(0) << 8) | nr) >>> 0;
    expect(EVIOCGRAB).toBe(ioc(0x90));
    expect(EVIOCREVOKE).toBe(ioc(0x91));
  });

  it('grabs with 1, releases with 0, revokes, on the given descriptor', () => {
    const calls: Array<[number, number, unknown]> = [];
    const ioctl: IoctlFunction = (fd, request, argument) => {
      calls.push([fd, request, argument]);
      return 0;
    };
    const control = ioctlInputControl(ioctl);
    expect(control.grab(7)).toEqual({ ok: true });
    expect(control.release(7)).toEqual({ ok: true });
    expect(control.revoke(7)).toEqual({ ok: true });
    expect(calls).toEqual([
      [7, EVIOCGRAB, 1],
      [7, EVIOCGRAB, 0],
      [7, EVIOCREVOKE, 0],
    ]);
  });

  it('reports a failing ioctl (EBUSY: grabbed by another process) instead of throwing', () => {
    const control = ioctlInputControl(() => {
      throw Object.assign(new Error('EBUSY, Device or resource busy'), { code: 'EBUSY' });
    });
    expect(control.grab(3)).toEqual({ ok: false, reason: 'failed', detail: 'EBUSY' });
  });

  it('says "unavailable" when the ioctl package cannot be loaded', () => {
    const control = loadInputDeviceControl(() => {
      throw new Error("Cannot find module 'ioctl'");
    });
    const result = control.grab(3);
    expect(result).toMatchObject({ ok: false, reason: 'unavailable' });
    expect(result.ok === false && result.detail).toMatch(/grab unavailable/);
  });

  describe('as installed here, on a FIFO (no event device)', () => {
    let dir: TempDir | undefined;
    afterEach(() => dir?.remove());

    it('fails without throwing: unavailable without the package, ENOTTY with it', () => {
      dir = makeTempDir('kiosk-grab-');
      const path = dir.file('fifo');
      execFileSync('mkfifo', [path]);
      const fd = openSync(path, 'r+');
      try {
        const result = loadInputDeviceControl().grab(fd);
        expect(result.ok).toBe(false);
        if (!result.ok && result.reason === 'failed') expect(result.detail).toBe('ENOTTY');
      } finally {
        closeSync(fd);
      }
    });
  });
});
