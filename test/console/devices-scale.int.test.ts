import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTING_SCALE_CALIBRATION } from '../../src/app/scale-calibration.js';
import { MtSicsSimulator } from '../../src/hardware/scale/mt-sics-simulator.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { waitFor } from '../support/wait-for.js';
import { audits, closeDeviceSession, depositInProgress, jsonOf, openDeviceSession, removeItem, scaleSettlesAt, TECHNICIAN, type DeviceSession } from './devices-session.js';

/** `scale` commands typed by a technician over a real PTY, against the real MT-SICS driver and its simulated balance. */
describe('scale commands in a technician session', () => {
  let dir: TempDir;
  let session: DeviceSession | undefined;

  beforeAll(async () => {
    dir = makeTempDir();
    session = await openDeviceSession({}, dir);
  });
  afterAll(async () => {
    await closeDeviceSession(session);
    dir?.remove();
  });

  const s = (): DeviceSession => session as DeviceSession;

  it('documents itself with help', async () => {
    const help = await s().tech.run('help scale');
    for (const sub of ['show', 'read', 'tare', 'zero', 'calibrate']) expect(help).toContain(sub);
    expect(await s().tech.run('help scale calibrate')).toContain('Usage: scale calibrate [options] <grams>');
  });

  it('shows the current reading, the balance with its serial number, the factor and the tare', async () => {
    await scaleSettlesAt(s(), 0);
    const shown = await s().tech.run('scale');
    expect(shown).toMatch(/reading: +-?0(\.\d+)? g stable/);
    expect(shown).toContain('balance:     mt-sics on simulated-scale:driver, serial B123456789');
    expect(shown).toContain('calibration: factor 1 (from device-config)');
    expect(shown).toContain('tare:        none');
    const json = jsonOf(await s().tech.run('scale --json'));
    expect(json).toMatchObject({ ok: true, command: 'scale', data: { identity: { protocol: 'mt-sics', serialNumber: 'B123456789' }, calibration: { factor: 1, source: 'config' }, range: 'ok' } });
  });

  it('reads a fresh stable weight with unit, stable flag and tare state; tares and zeroes', async () => {
    s().world.scale.setLoad(250);
    await scaleSettlesAt(s(), 250);
    expect(gramsIn(await s().tech.run('scale read'), / g stable, tare: none\r\n/)).toBeCloseTo(250, 0);
    const read = jsonOf(await s().tech.run('scale read --json'));
    expect(read.data).toMatchObject({ unit: 'g', stable: true, tare: { state: 'none' } });
    expect(Math.abs((read.data.grams as number) - 250)).toBeLessThan(1);

    const tared = await s().tech.run('scale tare');
    expect(tared).toMatch(/tared; tare: \S+ g since \d{4}-/);
    expect(gramsIn(tared, / g since/)).toBeCloseTo(250, 0);
    await scaleSettlesAt(s(), 0);
    const net = jsonOf(await s().tech.run('scale read --json'));
    expect(Math.abs(net.data.grams as number)).toBeLessThan(1);
    expect(net.data).toMatchObject({ tare: { state: 'set' } });

    // The balance refuses to zero a load beyond its zero range (2 % of 30 kg): its own coded error, one line.
    s().world.scale.setLoad(1000);
    await scaleSettlesAt(s(), 750);
    expect(await s().tech.run('scale zero')).toMatch(/error: \[E106\] [^\r\n]+\r\n/);
    s().world.scale.setLoad(0);
    await scaleSettlesAt(s(), -250);
    expect(await s().tech.run('scale zero')).toContain('zeroed; tare cleared');
    await scaleSettlesAt(s(), 0);
    expect(jsonOf(await s().tech.run('scale --json')).data).toMatchObject({ tare: { state: 'none', grams: null } });
  });

  it('ends a read that gets no stable weight with a bounded, coded error', async () => {
    const balance = s().world.scale;
    if (!(balance instanceof MtSicsSimulator)) throw new Error('expected the MT-SICS simulator');
    // The balance stops answering: no reading arrives, and --timeout ends the wait.
    balance.setSilent(true);
    expect(await s().tech.run('scale read --timeout 1')).toContain('error: [E101] no stable weight within 1000 ms');
    balance.setSilent(false);
    await waitFor(() => s().running.kiosk.devices.scale.health().state === 'running', { description: 'the scale recovered', timeoutMs: 10_000 });
    await scaleSettlesAt(s(), 0);
    expect(await s().tech.run('scale read --timeout 0')).toContain("error: [E501] option '--timeout <s>' argument '0' is invalid. a whole number from 1 to 60");
  });

  it('calibrates with a known weight, persists the factor, and refuses absurd factors with the scale\'s error', async () => {
    // The balance reads 400 g for a 500 g test weight: it reads 20 % low.
    s().world.scale.setLoad(400);
    await scaleSettlesAt(s(), 400);
    const calibrated = await s().tech.run('scale calibrate 500');
    // The simulated load cell has +-0.1 g of noise (and so has the zero point): the factor is 1.25 to about three digits.
    expect(calibrated).toMatch(/calibration factor 1 -> 1\.2\d+ \(known weight 500 g, balance B123456789\)/);
    const factor = s().running.kiosk.devices.scale.calibrationFactor();
    expect(factor).toBeCloseTo(1.25, 2);
    expect(calibrated).toContain(`saved as setting ${SETTING_SCALE_CALIBRATION}; applied again at every start`);
    await scaleSettlesAt(s(), 500);
    expect(JSON.parse(s().running.kiosk.settings.get(SETTING_SCALE_CALIBRATION) ?? '{}')).toMatchObject({ factor, knownGrams: 500, serialNumber: 'B123456789' });
    expect(await s().tech.run('scale')).toContain(`calibration: factor ${factor} (calibrated with 500 g at `);

    // 100 g on the platform called 500 g: a factor of 5 is a wrong weight, not drift.
    s().world.scale.setLoad(100);
    await scaleSettlesAt(s(), 125);
    const absurd = await s().tech.run('scale calibrate 500');
    const refused = /error: \[E107\] calibration factor (\S+) is outside 0\.5\.\.2: wrong weight on the platform\?\r\n/.exec(absurd);
    expect(Number(refused?.[1])).toBeCloseTo(5, 1);
    expect(jsonOf(await s().tech.run('scale calibrate 0 --json'))).toMatchObject({ ok: false, error: { code: 107 } });
    expect(await s().tech.run('scale calibrate heavy')).toContain("error: [E501] command-argument value 'heavy' is invalid for argument 'grams'. a number");
    expect(s().running.kiosk.devices.scale.calibrationFactor()).toBe(factor);
    expect(JSON.parse(s().running.kiosk.settings.get(SETTING_SCALE_CALIBRATION) ?? '{}')).toMatchObject({ factor });

    const scaleAudits = audits(s().running).filter((audit) => audit.command === 'scale');
    expect(scaleAudits.find((audit) => audit.args[0] === 'calibrate' && audit.outcome === 'ok')).toMatchObject({
      technician: TECHNICIAN,
      args: ['calibrate', '500'],
      detail: `calibrated with 500 g: factor 1 -> ${factor}`,
    });
    expect(scaleAudits.filter((audit) => audit.args[0] === 'calibrate' && audit.outcome === 'error').map((audit) => audit.errorCode)).toEqual([107, 107, 501]);
    s().world.scale.setLoad(0);
  });

  it('refuses tare, zero and calibrate while a deposit is in progress, and reads meanwhile', async () => {
    await depositInProgress(s(), { label: 'paper', grams: 40 });
    for (const line of ['scale tare', 'scale zero', 'scale calibrate 500']) {
      expect(await s().tech.run(line)).toMatch(/error: \[E510\] cannot \w+ the scale: a deposit is in progress \(awaiting-removal\); try again when idle\r\n/);
    }
    expect(gramsIn(await s().tech.run('scale read'), / g stable/)).toBeCloseTo(50, 0); // 40 g x 1.25
    await removeItem(s());
  });

  it('re-applies the persisted factor when the kiosk starts again', async () => {
    await closeDeviceSession(session, { keepDir: true });
    session = undefined;
    session = await openDeviceSession({}, dir);
    const stored = JSON.parse(s().running.kiosk.settings.get(SETTING_SCALE_CALIBRATION) ?? '{}') as { factor: number };
    expect(stored.factor).toBeCloseTo(1.25, 2);
    expect(s().running.kiosk.devices.scale.calibrationFactor()).toBe(stored.factor);
    expect(await s().tech.run('scale')).toContain(`calibration: factor ${stored.factor} (calibrated with 500 g`);
    s().world.scale.setLoad(80);
    await scaleSettlesAt(s(), 100);
    expect(jsonOf(await s().tech.run('scale read --json')).data.grams).toBeCloseTo(100, 0);
  });
});

/** The number printed just before `suffix` in a command's output. */
function gramsIn(output: string, suffix: RegExp): number {
  const match = new RegExp(`(-?\\d+(?:\\.\\d+)?)${suffix.source}`).exec(output);
  expect(match, `grams before ${String(suffix)} in ${JSON.stringify(output)}`).not.toBeNull();
  return Number(match?.[1]);
}
