import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTING_CHAMBER_REFERENCE_PATH } from '../../src/app/console-devices/camera-console.js';
import { PLACEHOLDER_FRAME_JPEG } from '../../src/hardware/camera/placeholder-frame.js';
import { waitFor } from '../support/wait-for.js';
import { audits, closeDeviceSession, depositInProgress, jsonOf, openDeviceSession, removeItem, scaleSettlesAt, type DeviceSession } from './devices-session.js';

/** A plain JPEG of one colour, as the camera would see an evenly lit surface. */
function solid(width: number, height: number, level: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: level, g: level, b: level } } })
    .jpeg()
    .toBuffer();
}

/** Mean Rec. 601 luma of a JPEG, computed here independently of the console. */
async function lumaOf(jpeg: Buffer): Promise<number> {
  const { channels } = await sharp(jpeg).stats();
  return 0.299 * (channels[0]?.mean ?? 0) + 0.587 * (channels[1]?.mean ?? 0) + 0.114 * (channels[2]?.mean ?? 0);
}

/** `camera snapshot` and `camera reference` over a real PTY, against the MJPEG driver reading the simulator process. */
describe('camera commands in a technician session', () => {
  let session: DeviceSession | undefined;
  const s = (): DeviceSession => session as DeviceSession;
  const dataDir = (): string => dirname(s().dir.file('data/kiosk.db'));

  beforeAll(async () => {
    session = await openDeviceSession();
  });
  afterAll(async () => {
    await closeDeviceSession(session);
  });

  /** Shows `jpeg` to the simulated camera and waits until the driver delivers frames of that size. */
  async function cameraSees(jpeg: Buffer): Promise<void> {
    const wanted = await sharp(jpeg).metadata();
    s().world.camera.show(jpeg);
    await waitFor(
      async () => {
        const frame = await s().running.kiosk.devices.camera.grab();
        const seen = await sharp(frame.jpeg).metadata();
        return seen.width === wanted.width && seen.height === wanted.height && (await lumaOf(frame.jpeg)) === (await lumaOf(jpeg));
      },
      { description: 'the camera streaming the new scene', timeoutMs: 10_000 },
    );
  }

  it('saves a fresh frame under the data directory and prints its size, dimensions and brightness', async () => {
    const output = await s().tech.run('camera snapshot');
    const path = /saved: (\S+\.jpg)\r\n/.exec(output)?.[1];
    expect(path).toBeDefined();
    expect(dirname(path as string)).toBe(join(dataDir(), 'snapshots'));
    const saved = readFileSync(path as string);
    const { width, height } = await sharp(PLACEHOLDER_FRAME_JPEG).metadata();
    expect(output).toContain(`${saved.length} bytes, ${width}x${height}, mean brightness ${Math.round((await lumaOf(saved)) * 10) / 10} of 255`);
  });

  it('follows what the camera sees: a white and a black chamber, saved where --out says', async () => {
    await cameraSees(await solid(64, 48, 255));
    const white = jsonOf(await s().tech.run('camera snapshot --out white.jpg --json'));
    expect(white).toMatchObject({ ok: true, command: 'camera', data: { path: join(dataDir(), 'white.jpg'), width: 64, height: 48 } });
    expect(white.data.brightness as number).toBeGreaterThan(250);
    expect(statSync(join(dataDir(), 'white.jpg')).size).toBe(white.data.bytes);

    await cameraSees(await solid(32, 24, 0));
    const absolute = s().dir.file('black.jpg');
    const black = await s().tech.run(`camera snapshot --out ${absolute}`);
    expect(black).toContain(`saved: ${absolute}`);
    expect(black).toMatch(/\d+ bytes, 32x24, mean brightness [0-4](\.\d)? of 255/);
    expect(audits(s().running).at(-1)).toMatchObject({ command: 'camera', outcome: 'ok', detail: `snapshot ${absolute}` });

    // --out names a file in an existing directory; a missing one is an error, not created on the technician's say-so.
    const missing = s().dir.file('no-such-dir/x.jpg');
    expect(await s().tech.run(`camera snapshot --out ${missing}`)).toContain(`error: [E512] cannot write ${missing}: ENOENT\r\n`);
    s().world.camera.show(PLACEHOLDER_FRAME_JPEG);
  });

  it('refuses to take the reference while the chamber holds an item or a load', async () => {
    await depositInProgress(s());
    expect(await s().tech.run('camera reference')).toContain('error: [E511] the item sensor (item-present) sees an item; empty the chamber first');
    await removeItem(s());

    s().world.scale.setLoad(300);
    await scaleSettlesAt(s(), 300);
    expect(await s().tech.run('camera reference')).toMatch(/error: \[E511\] the scale shows \d+(\.\d+)? g \(more than 5 g\); empty the chamber first\r\n/);
    expect(s().running.kiosk.settings.get(SETTING_CHAMBER_REFERENCE_PATH)).toBeUndefined();
    s().world.scale.setLoad(0);
    await scaleSettlesAt(s(), 0);
  });

  it('stores the empty-chamber reference next to the database, and says the scenario classifier does not use it', async () => {
    const output = await s().tech.run('camera reference');
    const path = join(dataDir(), 'empty-chamber.jpg');
    expect(output).toContain(`reference stored: ${path}`);
    expect(output).toContain('classifier: scenario@1: stored; the scenario classifier reads the simulated frame tags and does not use a reference');
    expect(output).toContain(`path saved as setting ${SETTING_CHAMBER_REFERENCE_PATH}`);
    expect(existsSync(path)).toBe(true);
    expect((await sharp(readFileSync(path)).metadata()).format).toBe('jpeg');
    expect(s().running.kiosk.settings.get(SETTING_CHAMBER_REFERENCE_PATH)).toBe(path);
    expect(jsonOf(await s().tech.run('camera reference --json')).data).toMatchObject({ path, inUse: false, classifier: 'scenario@1' });
  });

  it('shows usage for a bare `camera`, and help for its subcommands', async () => {
    expect(await s().tech.run('camera')).toContain('Usage: camera [options] [command]');
    expect(await s().tech.run('help camera snapshot')).toContain('--out <file>');
  });
});
