import { defineCommand, type JsonObject } from '../command.js';
import type { GpioLineView } from '../device-facade.js';
import { wholeNumber } from './device-args.js';

const MAX_PULSE_MS = 10_000;

export const gpioCommand = defineCommand({
  name: 'gpio',
  summary: 'GPIO lines: gpio [show] | pulse-lock [ms] | diverter <bin> [ms] | lamp-test [ms] (actuators refused during a deposit)',
  requiresLogin: true,
  define(program, ctx) {
    program
      .command('show', { isDefault: true })
      .description('read every input and show every output as last written')
      .action(() => {
        const view = ctx.kiosk.devices.gpio();
        ctx.result(view as unknown as JsonObject, [
          'inputs:',
          ...view.inputs.map(lineText),
          'outputs:',
          ...view.outputs.map(lineText),
          `deposit: ${view.depositState}`,
        ]);
      });
    program
      .command('pulse-lock')
      .description('energise the door lock for ms milliseconds, then release it')
      .argument('[ms]', `milliseconds, 1-${MAX_PULSE_MS}`, wholeNumber(1, MAX_PULSE_MS), 500)
      .action(async (ms: number) => {
        const pulse = await ctx.kiosk.devices.pulseLock(ms, ctx.signal);
        ctx.auditDetail(`pulsed ${pulse.lines.join(', ')} for ${ms} ms`);
        ctx.result(pulse as unknown as JsonObject, `pulsed ${pulse.lines.join(', ')} for ${ms} ms`);
      });
    program
      .command('diverter')
      .description("move a bin's diverter for ms milliseconds (default: deposit.diverterPulseMs), then back")
      .argument('<bin>', 'bin name from device-config bins')
      .argument('[ms]', `milliseconds, 1-${MAX_PULSE_MS}`, wholeNumber(1, MAX_PULSE_MS))
      .action(async (bin: string, ms: number | undefined) => {
        const pulse = await ctx.kiosk.devices.moveDiverter(bin, ms ?? ctx.kiosk.config().deposit.diverterPulseMs, ctx.signal);
        ctx.auditDetail(`moved ${pulse.lines.join(', ')} for ${pulse.ms} ms`);
        ctx.result({ bin, ...pulse } as unknown as JsonObject, `moved ${pulse.lines.join(', ')} (bin ${bin}) for ${pulse.ms} ms`);
      });
    program
      .command('lamp-test')
      .description('light each lamp for ms milliseconds, one after another')
      .argument('[ms]', `milliseconds per lamp, 1-${MAX_PULSE_MS}`, wholeNumber(1, MAX_PULSE_MS), 1000)
      .action(async (ms: number) => {
        const pulse = await ctx.kiosk.devices.lampTest(ms, ctx.signal);
        ctx.auditDetail(`lamp test ${pulse.lines.join(', ')} ${ms} ms`);
        ctx.result(pulse as unknown as JsonObject, `lit ${pulse.lines.join(', ')} for ${ms} ms each`);
      });
  },
});

function lineText(line: GpioLineView): string {
  return `  ${line.name.padEnd(18)} ${line.value ? 'on ' : 'off'}  line ${String(line.line).padEnd(3)}${line.role ? ` ${line.role}` : ''}`;
}
