import { InvalidArgumentError } from 'commander';
import { defineCommand, type JsonValue } from '../command.js';

const MAX_LINES = 500;

/** A log line for a person: time, level, component, message; the full JSON stays available with --json. */
function humanLine(line: string): string {
  try {
    const entry = JSON.parse(line) as { time?: string; level?: number; component?: string; msg?: string };
    const level = ({ 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' } as Record<number, string>)[entry.level ?? 30] ?? String(entry.level);
    return `${entry.time ?? ''} ${level.padEnd(5)} ${entry.component ? `[${entry.component}] ` : ''}${entry.msg ?? ''}`;
  } catch {
    return line;
  }
}

function lineCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LINES) throw new InvalidArgumentError(`a whole number from 1 to ${MAX_LINES}`);
  return n;
}

export const logsCommand = defineCommand({
  name: 'logs',
  summary: 'recent log lines of the runtime: logs tail [n]',
  requiresLogin: true,
  define(program, ctx) {
    program
      .command('tail', { isDefault: true })
      .description('the last n log lines (default 20), secrets redacted')
      .argument('[n]', `how many lines, 1-${MAX_LINES}`, lineCount, 20)
      .action((count: number) => {
        const lines = ctx.kiosk.recentLogs(count);
        ctx.result({ lines: lines.map((line) => parseOrString(line)) }, lines.length === 0 ? '(no log lines yet)' : lines.map(humanLine));
      });
  },
});

function parseOrString(line: string): JsonValue {
  try {
    return JSON.parse(line) as JsonValue;
  } catch {
    return line;
  }
}
