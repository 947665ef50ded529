import { Option } from 'commander';
import { defineCommand, type JsonObject } from '../command.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';
import type { NetStep, NetTestReport } from '../settings-facade.js';

export const netCommand = defineCommand({
  name: 'net',
  summary: 'net test: reach the broker (DNS, TCP, TLS, MQTT CONNACK) with the staged or running settings',
  requiresLogin: true,
  define(program, ctx) {
    program
      .command('test')
      .description('resolve, connect, handshake and log in to the broker; each step bounded by --timeout')
      .addOption(new Option('--timeout <ms>', 'longest wait per step').argParser(timeoutMs).default(5000))
      .action(async (options: { timeout: number }) => {
        const report = await ctx.kiosk.settings.netTest({ timeoutMs: options.timeout, signal: ctx.signal });
        ctx.result(report as unknown as JsonObject, reportLines(report));
      });
  },
});

function timeoutMs(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 100 || value > 120_000) throw new KioskError(ErrorCode.ConsoleUsage, 'the timeout is 100 to 120000 ms', {});
  return value;
}

function stepLine(name: string, step: NetStep): string {
  const state = step.skipped ? '-- ' : step.ok ? 'ok ' : 'FAIL';
  return `${`${name}:`.padEnd(6)}${state.padEnd(5)}${step.detail}${step.ms !== undefined ? ` (${step.ms} ms)` : ''}`;
}

function reportLines(report: NetTestReport): string[] {
  const failed = (['dns', 'tcp', 'tls', 'mqtt'] as const).find((name) => !report[name].ok && !report[name].skipped);
  return [
    `net test with the ${report.source} settings: ${report.url}`,
    stepLine('dns', report.dns),
    stepLine('tcp', report.tcp),
    stepLine('tls', report.tls),
    stepLine('mqtt', report.mqtt),
    report.ok ? 'result: broker reachable' : `result: FAILED at ${failed ?? 'mqtt'}`,
  ];
}
