import type { ScannerTest, ScanView } from '../../console/device-facade.js';
import type { DepositFlow } from '../../deposit/deposit-flow.js';
import type { BarcodeScanner, Scan } from '../../hardware/barcode/barcode-scanner.js';
import type { Gs1Problem } from '../../hardware/barcode/decoded-code.js';
import type { Logger } from '../../ops/logger.js';
import { requireIdleFlow } from './deposit-guard.js';

/**
 * `barcode test`: the console listens to the scanner, and the deposit flow is
 * told to ignore scans meanwhile (DepositFlow.holdScans), so a technician's
 * test codes never start a consumer session or attach to the next item.
 * Refused while a deposit is in progress: its waybill scan must reach the flow.
 */
export function startScannerTest(
  parts: { scanner: BarcodeScanner; flow: Pick<DepositFlow, 'state' | 'holdScans'>; logger: Logger },
  onScan: (scan: ScanView) => void,
): ScannerTest {
  requireIdleFlow(parts.flow, 'test the scanner');
  const release = parts.flow.holdScans();
  const listener = (scan: Scan): void => onScan(scanView(scan));
  parts.scanner.on('scan', listener);
  // Codes are not logged: a consumer's session code may be among them.
  parts.logger.info('scanner test started; the deposit flow ignores scans until it ends');
  let stopped = false;
  return {
    stop: () => {
      if (stopped) return;
      stopped = true;
      parts.scanner.off('scan', listener);
      release();
      parts.logger.info('scanner test ended; scans go to the deposit flow again');
    },
  };
}

export function scanView(scan: Scan): ScanView {
  const { decoded } = scan;
  const base = { code: scan.code, kind: decoded.kind, data: decoded.data, symbology: decoded.symbology?.id ?? null };
  switch (decoded.kind) {
    case 'waybill':
      return { ...base, carrier: decoded.carrier };
    case 'consumer-session':
      return { ...base, session: decoded.session };
    case 'staff':
      return { ...base, staff: decoded.staff };
    case 'gs1':
      return { ...base, elements: decoded.elements.map((element) => ({ ...element })) };
    case 'unknown': {
      const problem = decoded.gs1Problem
        ? describeGs1Problem(decoded.gs1Problem)
        : decoded.waybillProblem
          ? `looks like a ${decoded.waybillProblem.carrier} waybill, but the check digit is wrong`
          : undefined;
      return problem === undefined ? base : { ...base, problem };
    }
  }
}

function describeGs1Problem(problem: Gs1Problem): string {
  const ai = 'ai' in problem ? ` in AI ${problem.ai}` : '';
  return `not valid GS1: ${problem.reason}${ai} at offset ${problem.offset}`;
}
