#!/usr/bin/env node
/**
 * Entry point: read config, build the kiosk, start it, stop it on a signal.
 * Wiring only; everything else lives in the layers below.
 */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { superviseApply } from './app/apply-supervisor.js';
import { ConfigApplyGuard } from './app/config-apply-guard.js';
import { Kiosk } from './app/kiosk.js';
import { createSystemClock } from './ops/clock.js';
import { loadDeviceConfig } from './ops/config/load.js';
import { ErrorCode, isKioskError, type KioskError } from './ops/errors.js';
import { LogRing } from './ops/log-ring.js';
import { createLogger } from './ops/logger.js';
import { RUNTIME_VERSION } from './ops/version.js';

/** sysexits.h EX_CONFIG: the service manager should not restart into the same bad config. */
const EXIT_CONFIG = 78;

/**
 * sysexits.h EX_TEMPFAIL: the technician asked for a restart. The systemd unit
 * restarts on it (Restart=on-failure, or RestartForceExitStatus=75 with Restart=no).
 */
const EXIT_RESTART = 75;

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
    .option('--console-stdio', 'also run the technician console on stdin/stdout; logs then go to stderr')
    .parse();
  const { config: configPath, consoleStdio } = program.opts<{ config: string; consoleStdio?: boolean }>();

  // A config the console applied is on probation until this start proves it (src/app/config-apply-guard.ts).
  const applyGuard = new ConfigApplyGuard(resolve(configPath));
  const { pending: pendingApply, rolledBack } = applyGuard.beginStart();
  if (rolledBack) process.stderr.write(`kiosk-runtime: config apply rolled back to last-known-good: ${rolledBack}\n`);
  const rollBackAndRestart = (reason: string): never => {
    applyGuard.rollBack(reason, pendingApply);
    process.stderr.write(`kiosk-runtime: config apply rolled back to last-known-good: ${reason}; restarting\n`);
    process.exit(EXIT_RESTART);
  };

  let loaded;
  try {
    loaded = loadDeviceConfig(configPath);
  } catch (error) {
    // No logger settings yet: say it plainly on stderr, which a technician's console shows.
    process.stderr.write(`kiosk-runtime: ${(error as Error).message}\n`);
    if (pendingApply) rollBackAndRestart(`config refused: ${(error as Error).message}`);
    process.exit(exitCodeFor(error));
  }

  // With the console on stdout, logs move to stderr (npm run console sends them to a file); `logs tail` reads the ring.
  const logRing = new LogRing(loaded.config.console.logRingLines);
  const logger = createLogger({ level: loaded.config.log.level, ...(consoleStdio ? { pretty: false } : {}) }, consoleStdio ? process.stderr : undefined, logRing);
  const clock = createSystemClock();
  let restartRequested = false;
  // Until the kiosk has started, a stop (a signal, a console restart) is only noted: it runs once start() settles.
  let stopRequested: string | undefined;
  let requestStop: (signal: string) => void = (signal) => {
    logger.info({ signal }, 'stop requested while starting; stopping once started');
    stopRequested ??= signal;
  };
  // Before start(): Node's default would kill a half-started kiosk (children, an open database) on the spot.
  process.on('SIGTERM', (signal) => requestStop(signal));
  process.on('SIGINT', (signal) => requestStop(signal));
  logger.info({ configFile: loaded.file, version: RUNTIME_VERSION, bootId: clock.bootId }, 'kiosk-runtime starting');

  let kiosk: Kiosk | undefined;
  try {
    kiosk = new Kiosk({
      config: loaded.config,
      configFile: loaded.file,
      clock,
      logger,
      logRing,
      ...(consoleStdio ? { consoleStdio: { input: process.stdin, output: process.stdout } } : {}),
      onRestartRequested: (reason) => {
        logger.warn({ reason }, 'restart requested');
        restartRequested = true;
        requestStop('restart');
      },
    });
    await kiosk.start();
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    process.stderr.write(`kiosk-runtime: start-up failed: ${(error as Error).message}\n`);
    // Whatever did start (timers, child processes, the database) must not keep a failed process alive.
    await kiosk?.stop().catch((stopError: unknown) => logger.error({ err: stopError }, 'cleanup after failed start-up failed'));
    if (pendingApply) {
      const reason = `start-up failed: ${(error as Error).message}`;
      logger.error({ reason }, 'config apply rolled back: restored the last-known-good config; restarting');
      logger.flush();
      rollBackAndRestart(reason);
    }
    logger.flush();
    process.exit(exitCodeFor(error));
  }
  const running = kiosk;
  const stopSupervising = superviseApply({
    guard: applyGuard,
    pending: pendingApply,
    uplink: running.uplink,
    store: running.store,
    logger,
    onRolledBack: () => {
      restartRequested = true;
      requestStop('config rollback');
    },
    onConfirmed: () => running.fleet.configApplyConfirmed(),
  });

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    stopSupervising();
    logger.info({ signal }, 'shutting down');
    running
      .stop()
      .then(() => {
        logger.info('stopped');
        process.exitCode = restartRequested ? EXIT_RESTART : 0;
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
  requestStop = shutdown;
  // A stop asked for while starting: a signal, or a restart typed in the instant between the console starting and this line.
  if (stopRequested !== undefined) shutdown(stopRequested);
}

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`kiosk-runtime: unhandled rejection: ${String(reason)}\n`);
});

await main();
