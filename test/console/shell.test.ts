import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { CommandAuditRecord } from '../../src/console/audit.js';
import type { ConsoleAuth } from '../../src/console/auth.js';
import { defineCommand } from '../../src/console/command.js';
import { builtinCommands } from '../../src/console/commands/index.js';
import type { KioskFacade } from '../../src/console/kiosk-facade.js';
import { CommandRegistry } from '../../src/console/registry.js';
import { ConsoleShell } from '../../src/console/shell.js';
import { createSystemClock } from '../../src/ops/clock.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import { waitFor } from '../support/wait-for.js';

/** A command that waits until cancelled: what a long `barcode test` looks like to the shell. */
const waitCommand = defineCommand({
  name: 'wait',
  summary: 'waits until Ctrl-C',
  requiresLogin: false,
  define(program, ctx) {
    program.action(async () => {
      await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true }));
    });
  },
});

const pemCommand = defineCommand({
  name: 'pem',
  summary: 'reads a PEM block',
  requiresLogin: false,
  define(program, ctx) {
    program.action(async () => {
      const pem = await ctx.readBlock('paste:\n', '-----END TEST-----');
      ctx.result({ lines: pem.trimEnd().split('\n').length });
    });
  },
  auditArgs: () => ['[redacted]'],
});

function shell(): { type(text: string): void; screen(): string; audits: CommandAuditRecord[] } {
  let screen = '';
  const audits: CommandAuditRecord[] = [];
  const facade = { identity: () => ({ deviceId: 'k1', stationId: 's1' }) } as unknown as KioskFacade; // only identity is used here
  const auth = {} as ConsoleAuth; // no login in these tests
  const instance = new ConsoleShell({
    deviceId: 'k1',
    transport: 'test',
    registry: new CommandRegistry([...builtinCommands, waitCommand, pemCommand]),
    kiosk: facade,
    auth,
    audit: { record: (entry) => audits.push(entry) },
    clock: createSystemClock(),
    logger: createSilentLogger(),
    idleLogoutMs: 60_000,
    maxLineBytes: 128,
    echo: true,
    write: (text) => (screen += text),
    banner: 'test console',
  });
  instance.open();
  return { type: (text) => instance.input(Buffer.from(text)), screen: () => screen, audits };
}

describe('ConsoleShell', () => {
  it('cancels a running command with Ctrl-C and then runs typeahead', async () => {
    const s = shell();
    s.type('wait\rhelp\r');
    await delay(5);
    expect(s.screen()).not.toContain('Type "help <command>"');
    s.type('\x03');
    await waitFor(() => s.screen().includes('error: [E506] cancelled'), { description: 'cancelled' });
    // Ctrl-C also drops what was typed ahead.
    await delay(5);
    expect(s.screen()).not.toContain('Type "help <command>"');
    expect(s.audits.at(-1)).toMatchObject({ command: 'wait', outcome: 'cancelled', errorCode: 506 });
    s.type('help\r');
    await waitFor(() => s.screen().includes('Type "help <command>"'), { description: 'help after cancel' });
  });

  it('runs lines typed while a command runs, in order, after it', async () => {
    const s = shell();
    s.type('help login\rhelp logs\r');
    await waitFor(() => s.screen().includes('Usage: logs'), { description: 'second help' });
    expect(s.screen().indexOf('Usage: login')).toBeLessThan(s.screen().indexOf('Usage: logs'));
  });

  it('collects a pasted multi-line block up to its terminator', async () => {
    const s = shell();
    s.type('pem\r-----BEGIN TEST-----\r\nAAAA\r\nBBBB\r\n-----END TEST-----\r\n');
    await waitFor(() => s.screen().includes('lines:'), { description: 'block read' });
    expect(s.screen()).toMatch(/lines: +4/);
    expect(s.audits.at(-1)).toMatchObject({ command: 'pem', args: ['[redacted]'], outcome: 'ok' });
    expect(JSON.stringify(s.audits)).not.toContain('AAAA');
  });

  it('prints exactly one JSON object per command under --json, for errors too', async () => {
    const s = shell();
    s.type('help --json\rnope --json\r');
    await waitFor(() => s.screen().includes('"command":"(unknown)"'), { description: 'json error' });
    const objects = s.screen().split('\r\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { ok: boolean });
    expect(objects.map((object) => object.ok)).toEqual([true, false]);
  });

  it('shows the prompt with the login state', () => {
    const s = shell();
    expect(s.screen()).toContain('test console\r\nk1 [locked]> ');
  });
});
