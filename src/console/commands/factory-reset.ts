import { defineCommand, type JsonObject } from '../command.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';

export const factoryResetCommand = defineCommand({
  name: 'factory-reset',
  summary: 'wipe broker credentials and certificates, calibration, reference image, staged files (and, if confirmed, unsent events); re-arm the label PIN; restart',
  requiresLogin: true,
  define(program, ctx) {
    program
      .option('--wipe-technician-keys', 'also remove the label PIN hash and the technician key (decommissioning: the kiosk then needs the factory again)')
      .action(async (options: { wipeTechnicianKeys?: boolean }) => {
        const preview = ctx.kiosk.settings.factoryResetPreview();
        if (preview.depositState !== 'idle') {
          throw new KioskError(ErrorCode.ConsoleDepositInProgress, `cannot factory-reset: a deposit is in progress (${preview.depositState}); try again when idle`, {});
        }
        ctx.print('factory-reset wipes: broker user, password, CA, client certificate and key; staged and last-known-good config files;');
        ctx.print('scale calibration; empty-chamber reference image; console login state (the label PIN works again).');
        if (options.wipeTechnicianKeys) ctx.print('ALSO the label PIN hash and technician key: nobody can log in until the factory provisions this kiosk again.');
        const typed = await ctx.ask(`type the device id (${preview.deviceId}) to confirm: `);
        if (typed.trim() !== preview.deviceId) throw new KioskError(ErrorCode.ConsoleNotConfirmed, 'confirmation did not match the device id; nothing changed', {});
        let eraseThrough: number | null = null;
        if (preview.unsentEvents === 0) {
          eraseThrough = preview.lastSeq;
        } else {
          const answer = (await ctx.ask(`${preview.unsentEvents} event(s) are not sent yet. Type ${preview.unsentEvents} to erase them too, "keep" to keep the outbox, anything else cancels: `)).trim();
          if (answer === String(preview.unsentEvents)) eraseThrough = preview.lastSeq;
          else if (answer !== 'keep') throw new KioskError(ErrorCode.ConsoleNotConfirmed, 'cancelled; nothing changed', {});
        }
        const view = ctx.kiosk.settings.factoryReset({ eraseOutboxThroughSeq: eraseThrough, wipeTechnicianKeys: options.wipeTechnicianKeys === true, technician: ctx.session.technician });
        ctx.auditDetail(`factory reset: wiped ${view.wiped.length} item(s), erased ${view.erasedEvents} event(s)${eraseThrough === null ? ', outbox kept' : ''}`);
        ctx.result(view as unknown as JsonObject, [
          ...view.wiped.map((item) => `wiped: ${item}`),
          ...view.kept.map((item) => `kept:  ${item}`),
          'restarting in factory state',
        ]);
      });
  },
});
