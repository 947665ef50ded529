import type { ByteLink } from '../serial/byte-link.js';
import { LineFramer } from '../serial/line-framer.js';
import { CR, CRLF, LF } from './line-decoder.js';
import { MT_SICS_COMMANDS, type MtSicsCommand } from './mt-sics-protocol.js';
import { fromGrams, type WeightUnit } from './units.js';
import { VirtualLoadCell, type LoadCellSample } from './virtual-load-cell.js';

export interface MtSicsSimulatorSettings {
  /** A/D update interval; SIR repeats at this rate. */
  readingIntervalMs: number;
  noiseGrams: number;
  settleReadings?: number;
  capacityGrams?: number;
  /** Z / ZI refuse (Z + / Z -) beyond this distance from the power-on zero. */
  zeroRangeGrams?: number;
  /** Below zero by more than this the balance reports underload (S -). */
  underloadGrams?: number;
  unit?: WeightUnit;
  decimals?: number;
  serialNumber?: string;
  /** How long S, T and Z wait for a settled load before answering "I". */
  stabilityTimeoutMs?: number;
  random?: () => number;
}

export interface InjectedResponse {
  /** The exact line to answer with, without CR LF (e.g. "ES", "T I", "S +"). */
  line: string;
  /** Only answer this command with it; any command when absent. */
  command?: MtSicsCommand;
  /** How many commands to answer this way. */
  times?: number;
}

/** Longest command line the simulated balance reads; longer ones are a syntax error, as on the real one. */
const MAX_COMMAND_LENGTH = 64;
const MAX_REMEMBERED_COMMANDS = 500;
const MAX_QUEUED_COMMANDS = 16;

type StableWait = { command: 'S' | 'T' | 'Z'; waitedMs: number };

/**
 * A Mettler Toledo balance in software, speaking MT-SICS level 0/1 over a
 * ByteLink exactly as the real one does over RS-232: S, SI, SIR, T, TI, Z, ZI
 * and @, with the I / L / + / - answers and ES / ET / EL error lines.
 *
 * Controls for tests and the scenario player: setLoad(), and fault injection —
 * injectResponse() (error answers), setSilent() (a balance that stopped
 * answering), sendGarbage() (line noise). `commands` records what it received.
 */
export class MtSicsSimulator {
  readonly commands: string[] = [];
  private readonly cell: VirtualLoadCell;
  private readonly framer = new LineFramer({ delimiters: [CRLF, CR, LF], maxLength: MAX_COMMAND_LENGTH });
  private readonly settings: Required<Omit<MtSicsSimulatorSettings, 'random'>>;
  private ticker: NodeJS.Timeout | undefined;
  private zeroPointGrams = 0;
  private tareGrams = 0;
  private streaming = false;
  private waiting: StableWait | undefined;
  private queued: string[] = [];
  private injected: Array<Required<Omit<InjectedResponse, 'command'>> & Pick<InjectedResponse, 'command'>> = [];
  private silent = false;

  constructor(
    private readonly link: ByteLink,
    settings: MtSicsSimulatorSettings,
  ) {
    const capacityGrams = settings.capacityGrams ?? 30_000;
    this.settings = {
      readingIntervalMs: settings.readingIntervalMs,
      noiseGrams: settings.noiseGrams,
      settleReadings: settings.settleReadings ?? 4,
      capacityGrams,
      zeroRangeGrams: settings.zeroRangeGrams ?? capacityGrams * 0.02,
      underloadGrams: settings.underloadGrams ?? capacityGrams * 0.02,
      unit: settings.unit ?? 'g',
      decimals: settings.decimals ?? 2,
      serialNumber: settings.serialNumber ?? 'B123456789',
      stabilityTimeoutMs: settings.stabilityTimeoutMs ?? 3000,
    };
    this.cell = new VirtualLoadCell({
      noiseGrams: settings.noiseGrams,
      settleSamples: this.settings.settleReadings,
      ...(settings.random ? { random: settings.random } : {}),
    });
  }

  async start(): Promise<void> {
    if (this.ticker) return;
    this.link.on('data', this.onData);
    this.ticker = setInterval(() => this.tick(), this.settings.readingIntervalMs);
    await this.link.start();
  }

  async stop(): Promise<void> {
    if (!this.ticker) return;
    clearInterval(this.ticker);
    this.ticker = undefined;
    this.link.off('data', this.onData);
    await this.link.close();
  }

  /** Simulation control: the gross load on the platform changes (swings for a few readings, then settles). */
  setLoad(grams: number): void {
    this.cell.setLoad(grams);
  }

  /** Fault injection: answer the next command(s) with this line instead. */
  injectResponse(response: InjectedResponse): void {
    this.injected.push({ line: response.line, command: response.command, times: response.times ?? 1 });
  }

  /** Fault injection: a balance that stopped answering (reads and ignores every command) until set back. */
  setSilent(silent: boolean): void {
    this.silent = silent;
    if (silent) this.cancelAll();
  }

  /** Fault injection: raw bytes on the line, e.g. noise, NUL, 8-bit junk or an endless line. */
  sendGarbage(bytes: Buffer | string): void {
    this.link.write(bytes).catch(() => undefined);
  }

  /** The balance's tare in grams (for test assertions). */
  get tare(): number {
    return this.tareGrams;
  }

  private readonly onData = (chunk: Buffer): void => {
    const { lines, discarded } = this.framer.push(chunk);
    for (const _ of discarded) this.answer('ES');
    for (const line of lines) {
      if (line.length === 0) continue;
      this.remember(line.toString('latin1'));
      if (this.silent) continue;
      if (this.waiting && line.toString('latin1').trim() !== '@') {
        if (this.queued.length < MAX_QUEUED_COMMANDS) this.queued.push(line.toString('latin1'));
        continue;
      }
      this.execute(line);
    }
  };

  private tick(): void {
    const sample = this.cell.step();
    if (this.silent) return;
    if (this.streaming) this.answerWeight(sample);
    const waiting = this.waiting;
    if (!waiting) return;
    waiting.waitedMs += this.settings.readingIntervalMs;
    if (sample.settled) {
      this.waiting = undefined;
      this.completeStable(waiting.command, sample);
    } else if (waiting.waitedMs >= this.settings.stabilityTimeoutMs) {
      this.waiting = undefined;
      this.answer(`${waiting.command} I`);
    } else {
      return;
    }
    this.drainQueue();
  }

  private drainQueue(): void {
    while (!this.waiting && this.queued.length > 0) this.execute(Buffer.from(this.queued.shift()!, 'latin1'));
  }

  private execute(raw: Buffer): void {
    if (raw.some((byte) => byte < 0x20 || byte > 0x7e)) {
      this.answer('ET'); // parity / framing garbage on a real line
      return;
    }
    const [name = '', ...parameters] = raw.toString('latin1').trim().split(/ +/);
    // Any command ends an SIR stream, as on the balance.
    this.streaming = false;
    if (!isCommand(name)) {
      this.answer('ES');
      return;
    }
    const override = this.takeInjected(name);
    if (override !== undefined) {
      this.answer(override);
      return;
    }
    if (parameters.length > 0) {
      this.answer('EL'); // level 0/1 weighing commands take no parameters
      return;
    }
    this.run(name);
  }

  private run(command: MtSicsCommand): void {
    const sample = this.cell.peek();
    switch (command) {
      case '@':
        this.cancelAll();
        this.tareGrams = 0;
        this.answer(`I4 A "${this.settings.serialNumber}"`);
        return;
      case 'SI':
        this.answerWeight(sample);
        return;
      case 'SIR':
        this.answerWeight(sample);
        this.streaming = true;
        return;
      case 'S':
      case 'T':
      case 'Z':
        if (sample.settled) this.completeStable(command, sample);
        else this.waiting = { command, waitedMs: 0 };
        return;
      case 'TI':
        this.tareNow('TI', sample);
        return;
      case 'ZI':
        this.zeroNow('ZI', sample);
        return;
    }
  }

  private completeStable(command: 'S' | 'T' | 'Z', sample: LoadCellSample): void {
    if (command === 'S') this.answerWeight(sample);
    else if (command === 'T') this.tareNow('T', sample);
    else this.zeroNow('Z', sample);
  }

  private tareNow(id: 'T' | 'TI', sample: LoadCellSample): void {
    const aboveZero = sample.grams - this.zeroPointGrams;
    if (aboveZero > this.settings.capacityGrams) return this.answer(`${id} +`);
    if (aboveZero < -this.settings.underloadGrams) return this.answer(`${id} -`);
    this.tareGrams = aboveZero;
    this.answer(`${id} ${sample.settled ? 'S' : 'D'} ${this.formatWeight(aboveZero)}`);
  }

  private zeroNow(id: 'Z' | 'ZI', sample: LoadCellSample): void {
    if (sample.grams > this.settings.zeroRangeGrams) return this.answer(`${id} +`);
    if (sample.grams < -this.settings.zeroRangeGrams) return this.answer(`${id} -`);
    this.zeroPointGrams = sample.grams;
    this.tareGrams = 0;
    this.answer(id === 'Z' ? 'Z A' : `ZI ${sample.settled ? 'S' : 'D'}`);
  }

  private answerWeight(sample: LoadCellSample): void {
    const aboveZero = sample.grams - this.zeroPointGrams;
    if (aboveZero > this.settings.capacityGrams) return this.answer('S +');
    if (aboveZero < -this.settings.underloadGrams) return this.answer('S -');
    this.answer(`S ${sample.settled ? 'S' : 'D'} ${this.formatWeight(aboveZero - this.tareGrams)}`);
  }

  /** Value right-aligned in a 10-character field, a space, the unit: "    100.00 g". */
  private formatWeight(grams: number): string {
    let text = fromGrams(grams, this.settings.unit).toFixed(this.settings.decimals);
    if (Number(text) === 0) text = text.replace('-', '');
    return `${text.padStart(10)} ${this.settings.unit}`;
  }

  private takeInjected(command: MtSicsCommand): string | undefined {
    const index = this.injected.findIndex((entry) => entry.command === undefined || entry.command === command);
    if (index < 0) return undefined;
    const entry = this.injected[index]!;
    entry.times -= 1;
    if (entry.times <= 0) this.injected.splice(index, 1);
    return entry.line;
  }

  private cancelAll(): void {
    this.streaming = false;
    this.waiting = undefined;
    this.queued = [];
  }

  private answer(line: string): void {
    if (this.silent) return;
    this.link.write(`${line}\r\n`).catch(() => undefined); // the line may be down; a real balance talks into the void too
  }

  private remember(line: string): void {
    this.commands.push(line);
    if (this.commands.length > MAX_REMEMBERED_COMMANDS) this.commands.splice(0, this.commands.length - MAX_REMEMBERED_COMMANDS);
  }
}

function isCommand(name: string): name is MtSicsCommand {
  return (MT_SICS_COMMANDS as readonly string[]).includes(name);
}
