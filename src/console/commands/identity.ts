import { defineCommand, type JsonObject } from '../command.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';
import { showSetting, stagedLine } from './config.js';

export const identityCommand = defineCommand({
  name: 'identity',
  summary: 'device id and station id: "identity" shows them, "identity station <id>" / "identity device <id>" stage a change',
  requiresLogin: true,
  define(program, ctx) {
    program
      .command('show', { isDefault: true })
      .description('the running device id and station id (and staged ones, if any)')
      .action(() => {
        const { deviceId, stationId } = ctx.kiosk.identity();
        const staged = ctx.kiosk.settings.applyStatus().staged
          ? { deviceId: String(ctx.kiosk.settings.valueAt('device.id', 'staged')), stationId: String(ctx.kiosk.settings.valueAt('device.stationId', 'staged')) }
          : undefined;
        const changed = staged && (staged.deviceId !== deviceId || staged.stationId !== stationId) ? staged : undefined;
        ctx.result({ deviceId, stationId, ...(changed ? { staged: changed } : {}) });
      });
    program
      .command('station')
      .description('stage a new station id (applied with "config apply"); without one: the current station id')
      .argument('[id]', 'station id')
      .action((id: string | undefined) => {
        if (id === undefined) {
          showSetting(ctx, 'device.stationId');
          return;
        }
        const staged = ctx.kiosk.settings.stage('device.stationId', id);
        ctx.auditDetail(`staged device.stationId ${id}`);
        ctx.result(staged as unknown as JsonObject, stagedLine('device.stationId', JSON.stringify(id), staged.pendingChanges));
      });
    program
      .command('device')
      .description('stage a new device id (applied with "config apply"); the technician key is bound to the old one; without one: the current device id')
      .argument('[id]', 'device id')
      .option('--force', 'change it although the technician key is bound to the current id')
      .action((id: string | undefined, options: { force?: boolean }) => {
        if (id === undefined) {
          showSetting(ctx, 'device.id');
          return;
        }
        if (ctx.kiosk.settings.technicianKeyProvisioned() && !options.force) {
          throw new KioskError(
            ErrorCode.ConsoleConfigRejected,
            'the technician key is derived from the current device id: after the change challenge-response logins fail until the kiosk is provisioned again for the new id (provision-console). Add --force to go ahead',
            {},
          );
        }
        const staged = ctx.kiosk.settings.stage('device.id', id);
        ctx.auditDetail(`staged device.id ${id}`);
        ctx.result(staged as unknown as JsonObject, stagedLine('device.id', JSON.stringify(id), staged.pendingChanges));
      });
  },
});
