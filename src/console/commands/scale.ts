import { defineCommand, type JsonObject } from '../command.js';
import type { ScaleReadingView, ScaleStatusView, TareView } from '../device-facade.js';
import { finiteNumber, wholeNumber } from './device-args.js';

export const scaleCommand = defineCommand({
  name: 'scale',
  summary: 'the weighing scale: scale [show] | read | tare | zero | calibrate <grams>',
  requiresLogin: true,
  define(program, ctx) {
    program
      .command('show', { isDefault: true })
      .description('the current reading, the balance (serial number), calibration factor, tare and counters')
      .action(() => {
        const status = ctx.kiosk.devices.scale();
        ctx.result(status as unknown as JsonObject, renderStatus(status));
      });
    program
      .command('read')
      .description('wait for a fresh stable reading')
      .option('--timeout <s>', 'seconds to wait for the load to settle, 1-60', wholeNumber(1, 60), 5)
      .action(async (options: { timeout: number }) => {
        const reading = await ctx.kiosk.devices.scaleRead({ timeoutMs: options.timeout * 1000, signal: ctx.signal });
        const { tare } = ctx.kiosk.devices.scale();
        ctx.result({ ...reading, tare } as unknown as JsonObject, `${readingLine(reading)}, ${tareLine(tare)}`);
      });
    program
      .command('tare')
      .description('take the load on the platform as tare: net readings start from zero (refused during a deposit)')
      .action(async () => {
        const status = await ctx.kiosk.devices.scaleTare();
        ctx.auditDetail(`tared${status.tare.grams === null ? '' : ` ${status.tare.grams} g`}`);
        ctx.result(status as unknown as JsonObject, `tared; ${tareLine(status.tare)}`);
      });
    program
      .command('zero')
      .description('re-zero the empty platform and clear the tare (refused during a deposit)')
      .action(async () => {
        const status = await ctx.kiosk.devices.scaleZero();
        ctx.auditDetail('zeroed');
        ctx.result(status as unknown as JsonObject, 'zeroed; tare cleared');
      });
    program
      .command('calibrate')
      .description('with a known weight on the zeroed platform: compute, apply and save the calibration factor')
      .argument('<grams>', 'the known weight on the platform, in grams', finiteNumber)
      .action(async (grams: number) => {
        const result = await ctx.kiosk.devices.scaleCalibrate(grams);
        ctx.auditDetail(`calibrated with ${grams} g: factor ${result.oldFactor} -> ${result.newFactor}`);
        ctx.result(result as unknown as JsonObject, [
          `calibration factor ${result.oldFactor} -> ${result.newFactor} (known weight ${grams} g${result.serialNumber ? `, balance ${result.serialNumber}` : ''})`,
          `saved as setting ${result.persistedAs}; applied again at every start`,
        ]);
      });
  },
});

function readingLine(reading: ScaleReadingView): string {
  return `${reading.grams} ${reading.unit} ${reading.stable ? 'stable' : 'unstable'}`;
}

function tareLine(tare: TareView): string {
  if (tare.state === 'none') return 'tare: none';
  return `tare: ${tare.grams === null ? 'set' : `${tare.grams} g`} since ${tare.at ?? '?'}`;
}

function renderStatus(status: ScaleStatusView): string[] {
  const { reading, identity, calibration, diagnostics } = status;
  const calibrated =
    calibration.source === 'console'
      ? `factor ${calibration.factor} (calibrated with ${calibration.knownGrams} g at ${calibration.calibratedAt}${calibration.serialNumber ? ` on ${calibration.serialNumber}` : ''})`
      : `factor ${calibration.factor} (from device-config)`;
  return [
    `reading:     ${reading ? `${readingLine(reading)} (${(reading.ageMs / 1000).toFixed(1)} s old)` : `none (range ${status.range})`}`,
    `balance:     ${identity.protocol} on ${identity.port}, serial ${identity.serialNumber ?? 'unknown'}`,
    `health:      ${status.health.state}${status.health.detail ? `: ${status.health.detail}` : ''}`,
    `calibration: ${calibrated}`,
    tareLine(status.tare).replace('tare: ', 'tare:        '),
    `counters:    frames ${diagnostics.frames}, bad ${diagnostics.badFrames}, stray ${diagnostics.strayFrames}, timeouts ${diagnostics.timeouts}, refusals ${diagnostics.refusals}`,
  ];
}
