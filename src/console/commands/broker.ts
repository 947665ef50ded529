import { REDACTED } from '../audit.js';
import { defineCommand, type CommandContext, type JsonObject } from '../command.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';
import type { BrokerView, PemKind, PemStagedView, PemView } from '../settings-facade.js';
import { redactConfigArgs, showSetting, stagedLine } from './config.js';

const CERTIFICATE_END = '-----END CERTIFICATE-----';
const PEM_LABEL: Record<PemKind, string> = { ca: 'CA certificate', cert: 'client certificate', key: 'client private key' };

export const brokerCommand = defineCommand({
  name: 'broker',
  summary: 'broker URL, user, password, CA / client certificate / key (staged; "config apply" applies)',
  requiresLogin: true,
  define(program, ctx) {
    const settings = (): typeof ctx.kiosk.settings => ctx.kiosk.settings;
    program
      .command('show', { isDefault: true })
      .description('URL, user, and whether a password, CA, certificate and key are set (never the secrets)')
      .action(() => {
        const view = settings().broker();
        ctx.result(view as unknown as JsonObject, brokerLines(view));
      });
    program
      .command('url')
      .description('stage the broker URL: mqtt://host:1883 or mqtts://host:8883 (no credentials in it); without one: the current URL')
      .argument('[url]', 'mqtt:// or mqtts:// URL')
      .action((url: string | undefined) => {
        if (url === undefined) {
          showSetting(ctx, 'broker.url');
          return;
        }
        const staged = settings().stage('broker.url', url);
        ctx.auditDetail('staged broker.url');
        ctx.result(staged as unknown as JsonObject, stagedLine('broker.url', url, staged.pendingChanges));
      });
    program
      .command('user')
      .description('stage the MQTT user name; --clear removes it; without either: the current one')
      .argument('[name]', 'user name')
      .option('--clear', 'connect without a user name')
      .action((name: string | undefined, options: { clear?: boolean }) => {
        if (name === undefined && !options.clear) {
          showSetting(ctx, 'broker.username', { optional: true });
          return;
        }
        const staged = settings().stage('broker.username', options.clear ? undefined : name);
        ctx.auditDetail(options.clear ? 'staged removing broker.username' : 'staged broker.username');
        ctx.result(staged as unknown as JsonObject, stagedLine('broker.username', options.clear ? '(removed)' : JSON.stringify(name), staged.pendingChanges));
      });
    program
      .command('password')
      .description('stage the MQTT password, asked twice without echo; an empty answer removes it')
      .action(async () => {
        const password = await ctx.askSecret('broker password (not shown): ', 'off');
        if (password !== '' && (await ctx.askSecret('again: ', 'off')) !== password) {
          throw new KioskError(ErrorCode.ConsoleNotConfirmed, 'the two passwords differ; nothing staged', {});
        }
        const staged = settings().stageBrokerPassword(password === '' ? undefined : password);
        ctx.auditDetail(password === '' ? 'staged removing broker.password' : 'staged broker.password');
        ctx.result({ password: password !== '', pendingChanges: staged.pendingChanges }, stagedLine('broker.password', password === '' ? '(removed)' : '[set]', staged.pendingChanges));
      });
    for (const kind of ['ca', 'cert', 'key'] as const) {
      program
        .command(kind)
        .description(`paste the ${PEM_LABEL[kind]} (PEM); it is checked, stored beside the config (mode 0600) and staged; --clear removes it`)
        .option('--clear', `remove the ${PEM_LABEL[kind]}`)
        .action(async (options: { clear?: boolean }) => {
          const pem = options.clear ? undefined : await readPem(ctx, kind);
          const staged = settings().stageBrokerPem(kind, pem);
          ctx.auditDetail(staged.pem ? `staged broker ${kind} ${staged.pem.fingerprint}` : `staged removing broker ${kind}`);
          ctx.result(staged as unknown as JsonObject, pemStagedLines(staged));
        });
    }
  },
  // "broker url mqtt://user:secret@host" is refused, and its secret must not reach the audit either.
  auditArgs: (args) => redactConfigArgs(args).map((arg, index) => (args[0] === 'password' && index > 0 ? REDACTED : arg)),
});

/** A pasted PEM block. The key is not echoed: it is read line by line without echo until its END line. */
async function readPem(ctx: CommandContext, kind: PemKind): Promise<string> {
  if (kind !== 'key') return ctx.readBlock(`paste the ${PEM_LABEL[kind]} (PEM), ending with ${CERTIFICATE_END}:\n`, CERTIFICATE_END);
  const first = (await ctx.askSecret('paste the private key (PEM, not shown), ending with its -----END ... PRIVATE KEY----- line:\n', 'off')).trim();
  const begin = /^-----BEGIN ((?:[A-Z]+ )?PRIVATE KEY)-----$/.exec(first);
  if (!begin) throw new KioskError(ErrorCode.ConsolePemInvalid, 'expected a "-----BEGIN PRIVATE KEY-----" line first', {});
  const rest = await ctx.readBlock('', `-----END ${begin[1]}-----`, { secret: true });
  return `${first}\n${rest}`;
}

export function pemLine(label: string, view: PemView | null): string {
  if (view === null) return `${label}none`;
  const parts = view.subject !== undefined ? [`subject ${view.subject}`, `expires ${view.validTo?.slice(0, 10)}`, view.fingerprint] : [view.keyType ?? 'key', view.fingerprint];
  return `${label}${parts.join(', ')} (${view.file})`;
}

function brokerLines(view: BrokerView): string[] {
  return [
    `settings: ${view.source === 'staged' ? 'staged (not applied yet)' : 'running'}`,
    `url:      ${view.url}`,
    `user:     ${view.username ?? 'none'}`,
    `password: ${view.password ? '[set]' : 'none'}`,
    pemLine('ca:       ', view.ca),
    pemLine('cert:     ', view.cert),
    pemLine('key:      ', view.key),
  ];
}

function pemStagedLines(staged: PemStagedView): string[] {
  return [
    staged.pem ? pemLine(`staged ${PEM_LABEL[staged.kind]}: `, staged.pem) : `staged: no ${PEM_LABEL[staged.kind]}`,
    ...staged.warnings.map((warning) => `warning: ${warning}`),
    '"config diff" shows the staged changes, "config apply" applies them',
  ];
}
