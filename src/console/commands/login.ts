import { REDACTED } from '../audit.js';
import { TECHNICIAN_PATTERN } from '../tech-key.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';
import { defineCommand } from '../command.js';

export const loginCommand = defineCommand({
  name: 'login',
  summary: 'log in: "login <technician>" answers a challenge with the technician tool; "login --pin" uses the label PIN (first setup)',
  requiresLogin: false,
  define(program, ctx) {
    program
      .argument('[technician]', 'your technician id, signed into the challenge')
      .option('--pin', 'log in with the provisioning PIN printed on the device label')
      .action(async (technician: string | undefined, options: { pin?: boolean }) => {
        ctx.auth.assertMayTry();
        if (options.pin) {
          ctx.auth.assertPinUsable();
          const pin = await ctx.askSecret('PIN: ', 'mask');
          const login = await ctx.auth.loginWithPin(pin);
          ctx.session.login(login);
          ctx.result({ technician: login.technician, method: login.method }, `logged in with the label PIN; run "login <technician>" with your tool once to retire it`);
          return;
        }
        if (technician === undefined) {
          throw new KioskError(ErrorCode.ConsoleUsage, 'say who you are: "login <technician>" (challenge-response) or "login --pin" (label PIN)', {});
        }
        const pending = ctx.auth.startChallenge(technician);
        // The challenge goes out as part of the prompt, so it shows under --json too.
        const response = await ctx.askSecret(`${pending.line}\nresponse: `, 'mask');
        const login = ctx.auth.answerChallenge(pending, response);
        ctx.session.login(login);
        ctx.result({ technician: login.technician, method: login.method }, `logged in as ${login.technician}`);
      });
  },
  // A mistyped PIN ("login 123456") must not reach the audit; a technician id may.
  auditArgs: (args) => args.map((arg) => (arg === '--pin' || arg === '--json' || (TECHNICIAN_PATTERN.test(arg) && !/^\d+$/.test(arg)) ? arg : REDACTED)),
});
