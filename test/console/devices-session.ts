/**
 * Shared by the devices-*.int.test.ts files: a simulated kiosk with its
 * console on a real PTY, a technician logged in by challenge-response, and
 * the simulated world (the consumer's side: loads, codes, what the camera sees).
 */
import { expect } from 'vitest';
import { answerWithFleetKey } from '../../src/console/tech-key.js';
import type { JsonObject } from '../../src/console/command.js';
import { PLACEHOLDER_FRAME_JPEG } from '../../src/hardware/camera/placeholder-frame.js';
import type { SimulatedWorld } from '../../src/hardware/simulation/controls.js';
import { tagFrame } from '../../src/hardware/simulation/simulated-label.js';
import type { ConsoleCommandPayload, DepositPayload } from '../../src/protocol/events.js';
import { FLEET_KEY, startConsoleKiosk, type ConsoleKiosk } from '../support/console-kiosk.js';
import { PtyPair } from '../support/pty-pair.js';
import { Technician } from '../support/technician.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { waitFor } from '../support/wait-for.js';

export const TECHNICIAN = 'dana';

export interface DeviceSession {
  dir: TempDir;
  pty: PtyPair;
  running: ConsoleKiosk;
  tech: Technician;
  world: SimulatedWorld;
}

type KioskOptions = Parameters<typeof startConsoleKiosk>[2];

/** Starts the kiosk, waits for its one scenario item to be served (so the world is ours), connects and logs in. */
export async function openDeviceSession(options: KioskOptions = {}, existingDir?: TempDir): Promise<DeviceSession> {
  const dir = existingDir ?? makeTempDir();
  const pty = await PtyPair.create();
  const session: Partial<DeviceSession> = { dir, pty };
  try {
    session.running = await startConsoleKiosk(dir, pty, options);
    session.tech = new Technician(pty.devicePath);
    await session.tech.connect();
    const { running, tech } = session as DeviceSession;
    const world = running.kiosk.devices.world;
    if (!world) throw new Error('the console kiosk is expected to be fully simulated');
    session.world = world;
    await waitFor(() => running.kiosk.devices.scenario?.itemsPlayed === 1 && running.kiosk.flow.state === 'idle', {
      description: 'the scenario item served and the flow idle',
      timeoutMs: 15_000,
    });
    await tech.run('');
    await login(tech);
    return session as DeviceSession;
  } catch (error) {
    await closeDeviceSession(session, { keepDir: existingDir !== undefined });
    throw error;
  }
}

/** Stops everything a session started (also a half-started one); the temp dir goes unless kept for a restart. */
export async function closeDeviceSession(session: Partial<DeviceSession> | undefined, options: { keepDir?: boolean } = {}): Promise<void> {
  await session?.tech?.disconnect();
  await session?.running?.kiosk.stop();
  await session?.pty?.dispose();
  if (!options.keepDir) session?.dir?.remove();
}

export async function login(tech: Technician, technician = TECHNICIAN): Promise<void> {
  await tech.enter(`login ${technician}`);
  const challenge = await tech.expect(/kiosk-tech\/1 challenge \S+ \S+ [0-9a-f]{32}/);
  await tech.expect('response: ');
  await tech.type(`${answerWithFleetKey(FLEET_KEY, challenge)}\r`);
  await tech.expect(`[${technician}]# `);
}

/** The one JSON line a --json command printed. */
export function jsonOf(output: string): { ok: boolean; command: string; data: JsonObject & Record<string, unknown>; error?: { code: number; message: string } } {
  const line = output.split('\r\n').find((candidate) => candidate.startsWith('{'));
  expect(line, `a JSON line in ${JSON.stringify(output)}`).toBeDefined();
  return JSON.parse(line as string) as ReturnType<typeof jsonOf>;
}

export function audits(running: ConsoleKiosk): ConsoleCommandPayload[] {
  return running.events().flatMap((event) => (event.type === 'console.command' ? [event.payload] : []));
}

export function deposits(running: ConsoleKiosk): DepositPayload[] {
  return running.events().flatMap((event) => (event.type === 'deposit.accepted' || event.type === 'deposit.rejected' ? [event.payload] : []));
}

/** Waits until the scale's own latest stable reading is within 1 g of `grams` (the simulated load cell has settled). */
export async function scaleSettlesAt(session: DeviceSession, grams: number): Promise<void> {
  await waitFor(
    () => {
      const reading = session.running.kiosk.devices.scale.latest();
      return reading !== undefined && reading.stable && Math.abs(reading.grams - grams) < 1;
    },
    { description: `the scale settled at ${grams} g`, timeoutMs: 10_000 },
  );
}

/** A consumer puts an item in: the camera sees it (tagged for the scenario classifier), the scale and the item sensor feel it. */
export function insertItem(world: SimulatedWorld, item: { label: string; grams: number }): void {
  world.camera.show(tagFrame(PLACEHOLDER_FRAME_JPEG, { label: item.label, confidence: 0.95 }));
  world.scale.setLoad(item.grams);
  world.gpio.setInput('item-present', true);
}

/** The consumer (or the bin) takes the item out; resolves once the flow is idle again. */
export async function removeItem(session: DeviceSession): Promise<void> {
  const { world, running } = session;
  world.scale.setLoad(0);
  world.gpio.setInput('item-present', false);
  world.camera.show(PLACEHOLDER_FRAME_JPEG);
  await waitFor(() => running.kiosk.flow.state === 'idle', { description: 'the deposit flow idle again', timeoutMs: 10_000 });
}

/** Puts an item in and waits until its deposit is recorded and the flow waits for the item to leave. */
export async function depositInProgress(session: DeviceSession, item: { label: string; grams: number } = { label: 'paper', grams: 30 }): Promise<DepositPayload> {
  const before = deposits(session.running).length;
  insertItem(session.world, item);
  await waitFor(() => session.running.kiosk.flow.state === 'awaiting-removal', { description: 'a deposit awaiting removal', timeoutMs: 10_000 });
  const recorded = deposits(session.running);
  expect(recorded.length).toBe(before + 1);
  return recorded.at(-1) as DepositPayload;
}
