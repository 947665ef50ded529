import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait-for.js';
import { audits, closeDeviceSession, depositInProgress, deposits, insertItem, jsonOf, openDeviceSession, removeItem, type DeviceSession } from './devices-session.js';

interface Change {
  line: string;
  value: boolean;
}

/** Consecutive writes of the same value (a restore after a pulse) collapse: what a relay would actually do. */
function transitions(changes: Change[], line: string): boolean[] {
  return changes.filter((change) => change.line === line).map((change) => change.value).filter((value, index, all) => index === 0 || all[index - 1] !== value);
}

/** `gpio` over a real PTY against the simulated pins; actuators are refused or stopped while a deposit runs. */
describe('gpio commands in a technician session', () => {
  let session: DeviceSession | undefined;
  const s = (): DeviceSession => session as DeviceSession;
  let changes: Change[] = [];
  const record = (change: Change): void => {
    changes.push(change);
  };

  beforeAll(async () => {
    session = await openDeviceSession();
  });
  afterAll(async () => {
    await closeDeviceSession(session);
  });
  beforeEach(() => {
    changes = [];
    s().world.gpio.outputs.on('change', record);
  });
  afterEach(() => {
    s().world.gpio.outputs.off('change', record);
  });

  it('reads every input and shows every output with its role', async () => {
    s().world.gpio.setInput('door-closed', true);
    await waitFor(() => s().running.kiosk.devices.gpio.read('door-closed'), { description: 'door-closed seen' });
    const shown = await s().tech.run('gpio');
    expect(shown).toMatch(/inputs:\r\n {2}item-present +off +line 17 +item sensor\r\n {2}door-closed +on +line 27 *\r\n/);
    expect(shown).toMatch(/outputs:\r\n {2}door-lock +off +line 22 +door lock\r\n/);
    expect(shown).toMatch(/diverter-paper +off +line 6 +diverter of bin paper/);
    expect(shown).toMatch(/lamp-reject +off +line 19 +reject lamp/);
    expect(shown).toContain('deposit: idle');
    const json = jsonOf(await s().tech.run('gpio --json'));
    expect(json.data).toMatchObject({ depositState: 'idle', inputs: [{ name: 'item-present', value: false }, { name: 'door-closed', value: true }] });
    expect((json.data.outputs as Array<{ name: string }>).map((output) => output.name)).toEqual(['door-lock', 'diverter-carton', 'diverter-paper', 'diverter-mailer', 'lamp-reject']);
    s().world.gpio.setInput('door-closed', false);
  });

  it('pulses the lock, moves a diverter and tests the lamps, then leaves every line off', async () => {
    expect(await s().tech.run('gpio pulse-lock 30')).toContain('pulsed door-lock for 30 ms');
    expect(transitions(changes, 'door-lock')).toEqual([true, false]);

    expect(await s().tech.run('gpio diverter paper 20')).toContain('moved diverter-paper (bin paper) for 20 ms');
    expect(transitions(changes, 'diverter-paper')).toEqual([true, false]);
    // Without ms: the deposit flow's own pulse length (deposit.diverterPulseMs).
    expect(await s().tech.run('gpio diverter carton')).toContain('moved diverter-carton (bin carton) for 1 ms');

    expect(await s().tech.run('gpio lamp-test 25')).toContain('lit lamp-reject for 25 ms each');
    expect(transitions(changes, 'lamp-reject')).toEqual([true, false]);

    expect(new Set(changes.map((change) => change.line))).toEqual(new Set(['door-lock', 'diverter-paper', 'diverter-carton', 'lamp-reject']));
    for (const line of ['door-lock', 'diverter-paper', 'diverter-carton', 'lamp-reject']) expect(s().running.kiosk.devices.gpio.read(line)).toBe(false);
    expect(audits(s().running).filter((audit) => audit.command === 'gpio').map((audit) => audit.detail)).toEqual(
      expect.arrayContaining(['pulsed door-lock for 30 ms', 'moved diverter-paper for 20 ms', 'lamp test lamp-reject 25 ms']),
    );
  });

  it('refuses unknown bins and out-of-range durations with one-line usage errors', async () => {
    expect(await s().tech.run('gpio diverter glass')).toContain('error: [E501] unknown bin "glass"; bins: carton, paper, mailer');
    expect(await s().tech.run('gpio pulse-lock 0')).toContain('error: [E501] ');
    expect(await s().tech.run('gpio lamp-test 10001')).toContain('a whole number from 1 to 10000');
    expect(jsonOf(await s().tech.run('gpio diverter --json'))).toMatchObject({ ok: false, error: { code: 501 } });
    expect(changes).toEqual([]);
  });

  it('refuses every actuator while a deposit is in progress', async () => {
    await depositInProgress(s());
    changes = [];
    for (const [line, action] of [
      ['gpio pulse-lock', 'pulse the door lock'],
      ['gpio diverter paper', 'move the paper diverter'],
      ['gpio lamp-test', 'test the lamps'],
    ] as const) {
      expect(await s().tech.run(line)).toContain(`error: [E510] cannot ${action}: a deposit is in progress (awaiting-removal); try again when idle`);
    }
    expect(changes).toEqual([]);
    // Reading is always allowed.
    expect(await s().tech.run('gpio')).toMatch(/item-present +on/);
    await removeItem(s());
  });

  it('stops a pulse when a deposit starts, and leaves the door lock to the deposit flow', async () => {
    const { tech } = s();
    const before = deposits(s().running).length;
    await tech.enter('gpio pulse-lock 10000');
    await waitFor(() => transitions(changes, 'door-lock')[0] === true, { description: 'the lock energised by the console' });
    insertItem(s().world, { label: 'paper', grams: 30 });
    await tech.expect(/error: \[E510\] stopped: a deposit started \(weighing\) while the console could pulse the door lock\r\n/);
    // The flow locked the door for its visit, and the console did not release it under the consumer's item.
    await waitFor(() => deposits(s().running).length === before + 1, { description: 'the deposit recorded' });
    expect(transitions(changes, 'door-lock')).toEqual([true]);
    await waitFor(() => s().running.kiosk.flow.state === 'awaiting-removal', { description: 'awaiting removal' });
    await removeItem(s());
    expect(s().running.kiosk.devices.gpio.read('door-lock')).toBe(false);
  });

  it('releases the lamp at once on Ctrl-C', async () => {
    const { tech } = s();
    await tech.enter('gpio lamp-test 10000');
    await waitFor(() => s().running.kiosk.devices.gpio.read('lamp-reject'), { description: 'the lamp on' });
    await tech.type('\x03');
    await tech.expect('error: [E506] cancelled');
    await waitFor(() => !s().running.kiosk.devices.gpio.read('lamp-reject'), { description: 'the lamp off again', timeoutMs: 2000 });
    expect(audits(s().running).at(-1)).toMatchObject({ command: 'gpio', args: ['lamp-test', '10000'], outcome: 'cancelled' });
  });
});
