import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SerialPortLink } from '../../src/hardware/serial/serial-port-link.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import { PtyPair } from '../support/pty-pair.js';
import { waitFor } from '../support/wait-for.js';

describe('SerialPortLink over a real pseudo-terminal', () => {
  let pty: PtyPair;
  let links: SerialPortLink[];
  beforeEach(async () => {
    pty = await PtyPair.create();
    links = [];
  });
  afterEach(async () => {
    for (const link of links) await link.close();
    await pty.dispose();
  });

  function link(path: string): SerialPortLink {
    const created = new SerialPortLink({ path, baudRate: 9600, reconnect: { initialMs: 20, maxMs: 200 }, presenceCheckMs: 50, logger: createSilentLogger() });
    links.push(created);
    return created;
  }

  it('carries bytes both ways', async () => {
    const driver = link(pty.driverPath);
    const device = link(pty.devicePath);
    await driver.start();
    await device.start();
    const received: Buffer[] = [];
    device.on('data', (chunk) => received.push(chunk));
    await driver.write('SI\r\n');
    await waitFor(() => Buffer.concat(received).toString() === 'SI\r\n', { description: 'bytes at the device end' });
  });

  it('reports an unplug once, keeps retrying, and reopens when the device is back', async () => {
    const driver = link(pty.driverPath);
    const losses: string[] = [];
    let opens = 0;
    driver.on('lost', (reason) => losses.push(reason));
    driver.on('open', () => (opens += 1));
    await driver.start();
    expect(driver.isOpen).toBe(true);

    await pty.unplug();
    await waitFor(() => losses.length === 1 && !driver.isOpen, { description: 'loss reported' });
    await pty.replug();
    await waitFor(() => opens === 2 && driver.isOpen, { description: 'reopened' });
    expect(losses).toHaveLength(1);

    const device = link(pty.devicePath);
    await device.start();
    const received: Buffer[] = [];
    device.on('data', (chunk) => received.push(chunk));
    await driver.write('@\r\n');
    await waitFor(() => Buffer.concat(received).toString() === '@\r\n', { description: 'bytes after replug' });
  });

  it('starts without the device present and opens it when it appears', async () => {
    await pty.unplug();
    const driver = link(pty.driverPath);
    const losses: string[] = [];
    driver.on('lost', (reason) => losses.push(reason));
    await driver.start();
    expect(driver.isOpen).toBe(false);
    expect(losses[0]).toMatch(/cannot open/);
    await expect(driver.write('x')).rejects.toMatchObject({ code: 102 });
    await pty.replug();
    await waitFor(() => driver.isOpen, { description: 'opened once plugged in' });
  });
});
