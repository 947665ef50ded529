import { defineCommand, type JsonObject } from '../command.js';
import type { ScannerTest, ScanView } from '../device-facade.js';
import { wholeNumber } from './device-args.js';

type TestEnd = 'count' | 'timeout' | 'cancelled';

export const barcodeCommand = defineCommand({
  name: 'barcode',
  summary: 'the barcode scanner: barcode test [--count n] [--timeout s]',
  requiresLogin: true,
  define(program, ctx) {
    program
      .command('test')
      .description('print the next scans with what they decode to, until n scans, the timeout or Ctrl-C; meanwhile the deposit flow ignores scans')
      .option('--count <n>', 'stop after this many scans, 1-100', wholeNumber(1, 100), 10)
      .option('--timeout <s>', 'stop after this many seconds, 1-600', wholeNumber(1, 600), 60)
      .action(async (options: { count: number; timeout: number }) => {
        const scans: ScanView[] = [];
        ctx.print(`scan up to ${options.count} codes within ${options.timeout} s (Ctrl-C ends); consumer sessions are not started meanwhile`);
        const ended = await new Promise<TestEnd>((resolve) => {
          let test: ScannerTest | undefined;
          let timer: NodeJS.Timeout | undefined;
          const finish = (how: TestEnd): void => {
            clearTimeout(timer);
            ctx.signal.removeEventListener('abort', onAbort);
            test?.stop();
            resolve(how);
          };
          const onAbort = (): void => finish('cancelled');
          // Throws [E510] during a deposit, before anything is set up.
          test = ctx.kiosk.devices.testScanner((scan) => {
            scans.push(scan);
            ctx.print(scanLine(scans.length, scan));
            if (scans.length >= options.count) finish('count');
          });
          timer = setTimeout(() => finish('timeout'), options.timeout * 1000);
          ctx.signal.addEventListener('abort', onAbort, { once: true });
          if (ctx.signal.aborted) finish('cancelled');
        });
        // Kinds only: the codes themselves (a consumer's session code) stay out of the audit event.
        ctx.auditDetail(`${scans.length} scans${scans.length > 0 ? `: ${scans.map((scan) => scan.kind).join(', ')}` : ''}; ended by ${ended}`);
        ctx.result(
          { scans: scans as unknown as JsonObject[], ended },
          scans.length === 0 ? `no scan within ${options.timeout} s: check the scanner's cable, power and configuration` : `${scans.length} scan(s); ended by ${ended}`,
        );
      });
  },
});

function scanLine(index: number, scan: ScanView): string {
  const symbology = scan.symbology ? ` [${scan.symbology}]` : '';
  return `#${index} ${scan.kind}${symbology} ${visible(scan.data)}${details(scan)}`;
}

/** GS1's FNC1 separator (GS, 0x1D) and any other control byte would act on the terminal; show them as <GS> / <0x..>. */
function visible(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\u001d' ? '<GS>' : `<0x${c.charCodeAt(0).toString(16).padStart(2, '0')}>`));
}

function details(scan: ScanView): string {
  switch (scan.kind) {
    case 'waybill':
      return ` (carrier ${scan.carrier ?? '?'})`;
    case 'consumer-session':
      return ` (session ${visible(scan.session ?? '?')})`;
    case 'staff':
      return ` (staff ${scan.staff ?? '?'})`;
    case 'gs1':
      return `: ${(scan.elements ?? []).map((element) => `(${element.ai}) ${element.title} ${visible(element.date ?? element.value)}`).join(', ')}`;
    case 'unknown':
      return scan.problem ? ` (${scan.problem})` : '';
  }
}
