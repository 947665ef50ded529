import { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../../ops/logger.js';
import { PLACEHOLDER_FRAME_JPEG } from '../camera/placeholder-frame.js';
import type { SimulatedWorld } from './controls.js';
import type { LoadedScenario, ScenarioItem } from './scenario.js';
import { tagFrame } from './simulated-label.js';

export type { SimulatedWorld } from './controls.js';

export interface ScenarioLines {
  itemSensor: string;
  doorLock: string;
  diverters: ReadonlySet<string>;
}

/** How an item left the chamber: dropped by a diverter into a bin, or taken back by the consumer. */
export type ItemExit = 'diverted' | 'taken-back' | 'timed-out';

/**
 * Plays a scenario against the simulated devices, as consumers would: scan the
 * app code, put the item in, and take it back if the kiosk unlocks the door
 * without diverting it. It reacts to the kiosk's actuators instead of sleeping
 * a fixed time, so a slow machine cannot make it run ahead of the deposit flow.
 */
export class ScenarioPlayer extends EventEmitter<{ item: [item: ScenarioItem, exit: ItemExit]; finished: [] }> {
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  itemsPlayed = 0;
  /** The door as the kiosk last set it: a consumer cannot put an item through a locked door. */
  private doorLocked = false;
  private readonly onOutput = ({ line, value }: { line: string; value: boolean }): void => {
    if (line === this.lines.doorLock) this.doorLocked = value;
  };

  constructor(
    private readonly loaded: LoadedScenario,
    private readonly world: SimulatedWorld,
    private readonly lines: ScenarioLines,
    private readonly logger: Logger,
    private readonly exitTimeoutMs = 60_000,
  ) {
    super();
  }

  start(): void {
    this.doorLocked = this.world.gpio.outputValue(this.lines.doorLock);
    this.world.gpio.outputs.on('change', this.onOutput);
    this.running ??= this.play().catch((error: unknown) => {
      if (!this.abort.signal.aborted) this.logger.error({ err: error }, 'scenario stopped');
    });
  }

  async stop(): Promise<void> {
    this.abort.abort(new Error('scenario stopped'));
    await this.running;
    this.world.gpio.outputs.off('change', this.onOutput);
  }

  private async play(): Promise<void> {
    const { scenario } = this.loaded;
    for (let pass = 0; scenario.passes === null || pass < scenario.passes; pass += 1) {
      for (const item of scenario.items) {
        await delay(scenario.idleMs, undefined, { signal: this.abort.signal });
        const exit = await this.insert(item);
        this.itemsPlayed += 1;
        this.emit('item', item, exit);
      }
    }
    this.logger.info({ items: this.itemsPlayed }, 'scenario finished');
    this.emit('finished');
  }

  /** Waits while the door is locked (the previous item still being handled, or intake paused). */
  private async doorOpen(): Promise<void> {
    if (!this.doorLocked) return;
    const { outputs } = this.world.gpio;
    await new Promise<void>((resolve, reject) => {
      const onChange = (): void => {
        if (this.doorLocked) return;
        done();
        resolve();
      };
      const onAbort = (): void => {
        done();
        reject(this.abort.signal.reason);
      };
      const done = (): void => {
        outputs.off('change', onChange);
        this.abort.signal.removeEventListener('abort', onAbort);
      };
      // Registered after onOutput, so the lock state is already updated when this runs.
      outputs.on('change', onChange);
      this.abort.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async insert(item: ScenarioItem): Promise<ItemExit> {
    await this.doorOpen();
    const { scale, scanner, camera, gpio } = this.world;
    if (item.consumerCode) scanner.present(item.consumerCode);
    const image = (item.image && this.loaded.images.get(item.image)) || PLACEHOLDER_FRAME_JPEG;
    camera.show(tagFrame(image, { label: item.label, confidence: item.confidence }));
    const exit = this.waitForExit();
    scale.setLoad(item.weightGrams);
    gpio.setInput(this.lines.itemSensor, true);
    if (item.barcode) scanner.present(item.barcode);
    const how = await exit;
    scale.setLoad(0);
    gpio.setInput(this.lines.itemSensor, false);
    camera.show(PLACEHOLDER_FRAME_JPEG);
    return how;
  }

  private waitForExit(): Promise<ItemExit> {
    const { gpio } = this.world;
    return new Promise((resolve, reject) => {
      let locked = false;
      const finish = (how: ItemExit): void => {
        clearTimeout(timer);
        gpio.outputs.off('change', onChange);
        this.abort.signal.removeEventListener('abort', onAbort);
        resolve(how);
      };
      const onChange = ({ line, value }: { line: string; value: boolean }): void => {
        if (this.lines.diverters.has(line) && value) finish('diverted');
        else if (line === this.lines.doorLock && value) locked = true;
        else if (line === this.lines.doorLock && !value && locked) finish('taken-back');
      };
      const onAbort = (): void => {
        clearTimeout(timer);
        gpio.outputs.off('change', onChange);
        reject(this.abort.signal.reason);
      };
      const timer = setTimeout(() => {
        this.logger.warn('kiosk neither diverted nor released the item; taking it out');
        finish('timed-out');
      }, this.exitTimeoutMs);
      gpio.outputs.on('change', onChange);
      this.abort.signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
