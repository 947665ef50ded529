import type { ByteLink } from '../serial/byte-link.js';
import { fromGrams, type WeightUnit } from './units.js';
import { VirtualLoadCell } from './virtual-load-cell.js';

export interface ContinuousAsciiSimulatorSettings {
  /** One line per interval, as an indicator updating its display. */
  intervalMs: number;
  noiseGrams: number;
  settleReadings?: number;
  capacityGrams?: number;
  unit?: WeightUnit;
  decimals?: number;
  /** Which header fields the indicator prints: "ST," and "GS,". */
  fields?: { stability: boolean; mode: boolean };
  /** A badly tuned indicator: prints ST even while the load still swings. */
  flagsStableWhileMoving?: boolean;
  random?: () => number;
}

/**
 * A platform-scale indicator in continuous-output mode: it sends
 * "ST,GS,+0001.250kg" (or US / OL, GS / NT) every interval over a ByteLink,
 * whether anyone listens or not. Controls: setLoad(), the indicator's own
 * keys (pressTare(), pressZero(), clearTare()), and fault injection —
 * setSilent() and sendGarbage().
 */
export class ContinuousAsciiSimulator {
  private readonly cell: VirtualLoadCell;
  private readonly settings: Required<Omit<ContinuousAsciiSimulatorSettings, 'random'>>;
  private ticker: NodeJS.Timeout | undefined;
  private zeroPointGrams = 0;
  private tareGrams = 0;
  private silent = false;
  /** Lines sent, for assertions. */
  sent = 0;

  constructor(
    private readonly link: ByteLink,
    settings: ContinuousAsciiSimulatorSettings,
  ) {
    this.settings = {
      intervalMs: settings.intervalMs,
      noiseGrams: settings.noiseGrams,
      settleReadings: settings.settleReadings ?? 4,
      capacityGrams: settings.capacityGrams ?? 30_000,
      unit: settings.unit ?? 'kg',
      decimals: settings.decimals ?? 3,
      fields: settings.fields ?? { stability: true, mode: true },
      flagsStableWhileMoving: settings.flagsStableWhileMoving ?? false,
    };
    this.cell = new VirtualLoadCell({
      noiseGrams: settings.noiseGrams,
      settleSamples: this.settings.settleReadings,
      ...(settings.random ? { random: settings.random } : {}),
    });
  }

  async start(): Promise<void> {
    if (this.ticker) return;
    this.ticker = setInterval(() => this.tick(), this.settings.intervalMs);
    await this.link.start();
  }

  async stop(): Promise<void> {
    if (!this.ticker) return;
    clearInterval(this.ticker);
    this.ticker = undefined;
    await this.link.close();
  }

  /** Simulation control: the gross load on the platform changes (swings for a few readings, then settles). */
  setLoad(grams: number): void {
    this.cell.setLoad(grams);
  }

  /** The indicator's TARE key: lines switch to NT with the current load as tare. */
  pressTare(): void {
    this.tareGrams = this.cell.peek().grams - this.zeroPointGrams;
  }

  /** The indicator's ZERO key. */
  pressZero(): void {
    this.zeroPointGrams = this.cell.peek().grams;
    this.tareGrams = 0;
  }

  clearTare(): void {
    this.tareGrams = 0;
  }

  /** Fault injection: the indicator stops sending (switched off, lead cut) until set back. */
  setSilent(silent: boolean): void {
    this.silent = silent;
  }

  /** Fault injection: raw bytes on the line. */
  sendGarbage(bytes: Buffer | string): void {
    this.link.write(bytes).catch(() => undefined);
  }

  private tick(): void {
    const sample = this.cell.step();
    if (this.silent || !this.link.isOpen) return;
    const aboveZero = sample.grams - this.zeroPointGrams;
    const overload = aboveZero > this.settings.capacityGrams;
    const flag = overload ? 'OL' : sample.settled || this.settings.flagsStableWhileMoving ? 'ST' : 'US';
    const mode = this.tareGrams === 0 ? 'GS' : 'NT';
    const header = `${this.settings.fields.stability ? `${flag},` : ''}${this.settings.fields.mode ? `${mode},` : ''}`;
    this.sent += 1;
    this.link.write(`${header}${this.formatWeight(aboveZero - this.tareGrams)}\r\n`).catch(() => undefined);
  }

  /** Sign, 8 zero-padded characters, the unit in two: "+0001.250kg", "+01250.0 g". */
  private formatWeight(grams: number): string {
    const value = fromGrams(grams, this.settings.unit);
    let digits = Math.abs(value).toFixed(this.settings.decimals);
    const sign = value < 0 && Number(digits) !== 0 ? '-' : '+';
    digits = digits.padStart(8, '0');
    return `${sign}${digits}${this.settings.unit.padStart(2)}`;
  }
}
