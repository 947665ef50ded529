import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait-for.js';
import { audits, closeDeviceSession, depositInProgress, deposits, insertItem, jsonOf, openDeviceSession, removeItem, type DeviceSession } from './devices-session.js';

const GS = '\u001d';

/**
 * `barcode test` over a real PTY against the real serial scanner driver and its
 * simulator. While a technician tests, the deposit flow must ignore scans: no
 * consumer session is opened and no code rides along with the next item.
 */
describe('barcode test in a technician session', () => {
  let session: DeviceSession | undefined;

  beforeAll(async () => {
    session = await openDeviceSession();
  });
  afterAll(async () => {
    await closeDeviceSession(session);
  });

  const s = (): DeviceSession => session as DeviceSession;
  /** The console's listener is on the scanner beside the deposit flow's: the test is running. */
  const testRunning = (): boolean => s().running.kiosk.devices.scanner.listenerCount('scan') === 2;

  it('documents its options', async () => {
    const usage = await s().tech.run('help barcode test');
    expect(usage).toContain('Usage: barcode test [options]');
    expect(usage).toContain('--count <n>');
    expect(usage).toContain('--timeout <s>');
  });

  it('prints each scan with its decoded kind, carrier and GS1 AIs until the count is reached', async () => {
    const { tech, world } = s();
    await tech.enter('barcode test --count 4 --timeout 30');
    await tech.expect('scan up to 4 codes within 30 s (Ctrl-C ends); consumer sessions are not started meanwhile');
    await world.scanner.present('SF1400039871234');
    await tech.expect('#1 waybill SF1400039871234 (carrier sf-express)');
    await world.scanner.present('KC-7Q2M-91XZ');
    await tech.expect('#2 consumer-session KC-7Q2M-91XZ (session KC-7Q2M-91XZ)');
    await world.scanner.present(`]C10109506000134352${'10LOT7'}${GS}17260331`);
    await tech.expect(/#3 gs1 \[\]C1\] 0109506000134352(10LOT7)<GS>17260331: \(01\) GTIN 09506000134352, \(10\) \S+ LOT7, \(17\) [^\r]+ 2026-03-31\r\n/);
    await world.scanner.present('HELLO-KIOSK');
    await tech.expect('#4 unknown HELLO-KIOSK');
    await tech.expect('4 scan(s); ended by count');
    await tech.expect('[dana]# ');
    expect(testRunning()).toBe(false);

    const audit = audits(s().running).at(-1);
    expect(audit).toMatchObject({ command: 'barcode', args: ['test', '--count', '4', '--timeout', '30'], outcome: 'ok', detail: '4 scans: waybill, consumer-session, gs1, unknown; ended by count' });
    // The codes themselves (a consumer's session code among them) stay out of the audit event.
    expect(JSON.stringify(audit)).not.toContain('KC-7Q2M-91XZ');
  });

  it('ends on Ctrl-C and gives the scanner back to the deposit flow', async () => {
    const { tech, world } = s();
    await tech.enter('barcode test');
    await tech.expect('scan up to 10 codes within 60 s');
    await world.scanner.present('KC-AAAA-1111');
    await tech.expect('#1 consumer-session KC-AAAA-1111');
    await tech.type('\x03');
    await tech.expect('error: [E506] cancelled');
    await tech.expect('[dana]# ');
    await waitFor(() => !testRunning(), { description: 'the scanner test stopped' });
    expect(audits(s().running).at(-1)).toMatchObject({ command: 'barcode', outcome: 'cancelled' });
  });

  it('did not start a consumer session or attach codes from either test to the next item', async () => {
    const deposit = await depositInProgress(s(), { label: 'paper', grams: 30 });
    expect(deposit.consumerCode).toBeNull();
    expect(deposit.barcodes).toEqual([]);
    await removeItem(s());

    // Control: outside a test the same kind of scan does open a session for the next item.
    const before = deposits(s().running).length;
    const { scanner } = s().running.kiosk.devices;
    const scansBefore = scanner.stats().scans;
    await s().world.scanner.present('KC-BBBB-2222');
    await waitFor(() => scanner.stats().scans === scansBefore + 1, { description: 'the scan delivered' });
    insertItem(s().world, { label: 'paper', grams: 30 });
    await waitFor(() => deposits(s().running).length === before + 1, { description: 'the control deposit' });
    expect(deposits(s().running).at(-1)?.consumerCode).toBe('KC-BBBB-2222');
    await removeItem(s());
  });

  it('reports a timeout with no scans, and answers in JSON', async () => {
    expect(await s().tech.run('barcode test --timeout 1')).toContain("no scan within 1 s: check the scanner's cable, power and configuration");

    const { tech, world } = s();
    await tech.enter('barcode test --count 1 --json');
    await waitFor(testRunning, { description: 'the scanner test listening' });
    await world.scanner.present('JDVA12345678901');
    const json = jsonOf(await tech.expect('[dana]# '));
    expect(json).toMatchObject({ ok: true, command: 'barcode', data: { ended: 'count', scans: [{ kind: 'waybill', carrier: 'jd-logistics', code: 'JDVA12345678901', symbology: null }] } });
    expect(await s().tech.run('barcode test --count 0')).toContain('error: [E501] ');
  });

  it('refuses to test while a deposit is in progress', async () => {
    await depositInProgress(s());
    expect(await s().tech.run('barcode test')).toContain('error: [E510] cannot test the scanner: a deposit is in progress (awaiting-removal); try again when idle');
    expect(testRunning()).toBe(false);
    await removeItem(s());
  });
});
