#!/usr/bin/env node
/**
 * Entry point: read config, build the kiosk, start it, stop it on a signal.
 * Wiring only; everything else lives in the layers below.
 */
import { Command } from 'commander';
import { Kiosk } from './app/kiosk.js';
import { createSystemClock } from './ops/clock.js';
import { loadDeviceConfig } from './ops/config/load.js';
import { ErrorCode, isKioskError, type KioskError } from './ops/errors.js';
import { createLogger } from './ops/logger.js';
import { RUNTIME_VERSION } from './ops/version.js';

/** sysexits.h EX_CONFIG: the service manager should not restart into the same bad config. */
const EXIT_CONFIG = 78;

/** Start-up failures that a restart cannot cure: the setup itself is wrong. Anything else exits 1 and may be retried. */
const setupErrors: ReadonlySet<number> = new Set([
  ErrorCode.ConfigInvalid,
  ErrorCode.ConfigUnreadable,
  ErrorCode.ScenarioInvalid,
  ErrorCode.HardwareUnsupported,
  ErrorCode.GpioLineNotFound,
]);

function exitCodeFor(error: unknown): number {
  return isKioskError(error) && setupErrors.has((error as KioskError).code) ? EXIT_CONFIG : 1;
}

async function main(): Promise<void> {
  const program = new Command()
    .name('kiosk-runtime')
    .description('Runtime of a smart recycling kiosk')
    .version(RUNTIME_VERSION)
    .option('-c, --config <file>', 'device-config file', process.env.KIOSK_CONFIG ?? 'device-config/default.json')
    .parse();
  const { config: configPath } = program.opts<{ config: string }>();

  let loaded;
  try {
    loaded = loadDeviceConfig(configPath);
  } catch (error) {
    // No logger settings yet: say it plainly on stderr, which a technician's console shows.
    process.stderr.write(`kiosk-runtime: ${(error as Error).message}\n`);
    process.exit(exitCodeFor(error));
  }

  const logger = createLogger({ level: loaded.config.log.level });
  const clock = createSystemClock();
  logger.info({ configFile: loaded.file, version: RUNTIME_VERSION, bootId: clock.bootId }, 'kiosk-runtime starting');

  let kiosk: Kiosk | undefined;
  try {
    kiosk = new Kiosk({ config: loaded.config, clock, logger });
    await kiosk.start();
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    process.stderr.write(`kiosk-runtime: start-up failed: ${(error as Error).message}\n`);
    // Whatever did start (timers, child processes, the database) must not keep a failed process alive.
    await kiosk?.stop().catch((stopError: unknown) => logger.error({ err: stopError }, 'cleanup after failed start-up failed'));
    logger.flush();
    process.exit(exitCodeFor(error));
  }
  const running = kiosk;

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    running
      .stop()
      .then(() => {
        logger.info('stopped');
        process.exitCode = 0;
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exitCode = 1;
      })
      .finally(() => {
        // Everything is stopped and flushed; a device read the OS cannot cancel must not keep the process alive.
        logger.flush(() => process.exit());
      });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`kiosk-runtime: unhandled rejection: ${String(reason)}\n`);
});

await main();
