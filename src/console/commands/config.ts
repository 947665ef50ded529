import { Option } from 'commander';
import { REDACTED } from '../audit.js';
import { defineCommand, type CommandContext, type JsonObject, type JsonValue } from '../command.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';
import type { ApplyStatusView, ConfigChange } from '../settings-facade.js';

/** How long the start after `config apply` may take to become healthy before it rolls back. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 60_000;

export const configCommand = defineCommand({
  name: 'config',
  summary: 'device-config: config show|get|set|unset|diff|discard|apply (changes are staged, validated, applied with rollback)',
  requiresLogin: true,
  define(program, ctx) {
    const settings = (): typeof ctx.kiosk.settings => ctx.kiosk.settings;
    program
      .command('status', { isDefault: true })
      .description('what is staged, and how the last apply ended')
      .action(() => {
        const status = settings().applyStatus();
        ctx.result(status as unknown as JsonObject, statusLines(status));
      });
    program
      .command('show')
      .description('the running config (defaults filled in, secrets shown as [set]); --staged: the candidate')
      .option('--staged', 'show the staged candidate instead')
      .action((options: { staged?: boolean }) => {
        const config = options.staged ? settings().stagedConfig() : settings().runningConfig();
        if (config === null) throw new KioskError(ErrorCode.ConsoleNothingStaged, 'nothing staged', {});
        ctx.result({ source: options.staged ? 'staged' : 'running', config }, JSON.stringify(config, null, 2));
      });
    program
      .command('get')
      .description('one value by dotted path, e.g. broker.keepaliveSeconds')
      .argument('<path>', 'dotted path')
      .option('--staged', 'read the staged candidate (the running config when nothing is staged)')
      .action((path: string, options: { staged?: boolean }) => {
        const value = settings().valueAt(path, options.staged ? 'staged' : 'running');
        ctx.result({ path, value }, `${path} = ${JSON.stringify(value)}`);
      });
    program
      .command('set')
      .description('stage a change; the value is JSON when it parses (60, true, ["a"], "text"), else text; without a value: the current one')
      .argument('<path>', 'dotted path')
      .argument('[value]', 'new value')
      .action((path: string, text: string | undefined) => {
        if (text === undefined) {
          showSetting(ctx, path);
          return;
        }
        const staged = settings().stage(path, parseTypedValue(text));
        ctx.auditDetail(`staged ${path}`);
        ctx.result(staged as unknown as JsonObject, stagedLine(staged.path, JSON.stringify(staged.value), staged.pendingChanges));
      });
    program
      .command('unset')
      .description('stage removing a field (it takes its default)')
      .argument('<path>', 'dotted path')
      .action((path: string) => {
        const staged = settings().stage(path, undefined);
        ctx.auditDetail(`staged removing ${path}`);
        ctx.result(staged as unknown as JsonObject, stagedLine(path, '(removed)', staged.pendingChanges));
      });
    program
      .command('diff')
      .description('the staged candidate against the live config file')
      .action(() => {
        const changes = settings().diff();
        ctx.result({ changes: changes as unknown as JsonObject[] }, changes.length === 0 ? 'no changes' : changes.map(changeLine));
      });
    program
      .command('discard')
      .description('drop every staged change')
      .action(() => {
        const had = settings().discard();
        if (had) ctx.auditDetail('staged changes discarded');
        ctx.result({ discarded: had }, had ? 'staged changes discarded' : 'nothing was staged');
      });
    program
      .command('apply')
      .description('write the candidate as the live config (the old one kept as last-known-good) and restart; rolls back by itself if the kiosk does not start healthy')
      .addOption(new Option('--health-timeout <ms>', 'how long the next start may take to become healthy').argParser(positiveInt).default(DEFAULT_HEALTH_TIMEOUT_MS))
      .option('--no-broker-check', 'healthy without a broker connection even when the broker settings changed')
      .action((options: { healthTimeout: number; brokerCheck: boolean }) => {
        const applied = settings().apply({ technician: ctx.session.technician, healthTimeoutMs: options.healthTimeout, brokerCheck: options.brokerCheck });
        ctx.auditDetail(`applied ${applied.changes.length} changes: ${applied.changes.map((change) => change.path).join(', ')}`);
        const health = applied.requireBroker ? 'does not start or reach the broker' : 'does not start';
        ctx.result(applied as unknown as JsonObject, [
          ...applied.changes.map(changeLine),
          `applied ${applied.changes.length} change(s); the previous config is kept as last-known-good (${applied.lastGood})`,
          `restarting: if the kiosk ${health} within ${applied.healthTimeoutMs / 1000} s it rolls back to last-known-good by itself`,
        ]);
      });
  },
  auditArgs: (args) => redactConfigArgs(args),
});

/** `config set broker.password x` is refused, but its value must not reach the audit either; neither may URL credentials. */
export function redactConfigArgs(args: readonly string[]): string[] {
  return args.map((arg, index) => {
    const path = args[index - 1];
    if (index >= 2 && args[0] === 'set' && path !== undefined && /(^|\.)(password|secret|token|privateKey|passphrase)$/.test(path)) return REDACTED;
    return arg.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/\s]*@/i, `$1${REDACTED}@`);
  });
}

export function parseTypedValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function positiveInt(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1000 || value > 3_600_000) throw new KioskError(ErrorCode.ConsoleUsage, 'the health timeout is 1000 to 3600000 ms', {});
  return value;
}

/**
 * A setter typed without a value prints the value it would change (the
 * Tasmota/ESPHome habit): the staged one when a change to it is staged, with
 * the running one beside it, else the running one. `optional`: a field that may
 * be absent (shown as none) rather than an unknown path ([E520]).
 */
export function showSetting(ctx: CommandContext, path: string, options: { optional?: boolean } = {}): void {
  const { settings } = ctx.kiosk;
  const running = valueAtPath(settings.runningConfig(), path);
  const candidate = settings.stagedConfig();
  const staged = candidate === null ? running : valueAtPath(candidate, path);
  if (running === undefined && staged === undefined && !options.optional) {
    throw new KioskError(ErrorCode.ConsoleConfigRejected, `no field ${path} in the running config`, { path });
  }
  const differs = JSON.stringify(staged) !== JSON.stringify(running);
  const show = (value: JsonValue | undefined): string => (value === undefined || value === null ? 'none' : JSON.stringify(value));
  ctx.result(
    { path, value: (differs ? staged : running) ?? null, source: differs ? 'staged' : 'running', running: running ?? null },
    differs ? `${path} = ${show(staged)} (staged; running: ${show(running)}; "config apply" applies it)` : `${path} = ${show(running)}`,
  );
}

/** The value at a dotted path of a config document (secrets already redacted), or undefined. */
function valueAtPath(config: JsonObject, path: string): JsonValue | undefined {
  let value: JsonValue | undefined = config;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, key)) return undefined;
    value = value[key];
  }
  return value;
}

export function stagedLine(path: string, shown: string, pending: number): string {
  return pending === 0 ? `${path} = ${shown}: same as the live config, nothing staged` : `staged ${path} = ${shown} (${pending} change(s) staged; "config diff" shows them, "config apply" applies them)`;
}

export function changeLine(change: ConfigChange): string {
  const show = (value: unknown): string => JSON.stringify(value);
  if (change.change === 'added') return `+ ${change.path}: ${show(change.staged)}`;
  if (change.change === 'removed') return `- ${change.path}: ${show(change.live)}`;
  return `~ ${change.path}: ${show(change.live)} -> ${show(change.staged)}`;
}

function statusLines(status: ApplyStatusView): string[] {
  const last = status.lastApply;
  return [
    `config file: ${status.configFile ?? '(none)'}`,
    `staged:      ${status.staged ? `${status.pendingChanges} change(s) ("config diff")` : 'nothing'}`,
    `probation:   ${status.pending ? `applied ${status.pending.appliedAt} by ${status.pending.technician ?? '?'}, waiting to prove healthy` : 'none'}`,
    `last apply:  ${last ? `${last.outcome} at ${last.at} by ${last.technician ?? '?'}${last.reason ? `: ${last.reason}` : ''}` : 'none'}`,
    `last-known-good kept: ${status.lastGoodKept ? 'yes' : 'no'}`,
  ];
}
