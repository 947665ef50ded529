/**
 * What each backend command does on this kiosk: the typed handler table of
 * src/sync/commands/command-handlers.ts, filled from the same parts the
 * technician console uses (its gpio actuator guard, its log ring, its sync
 * nudge and restart), so a remote command and a console command behave alike.
 * model.update is not here: the OTA module fills that slot (FleetLink.commands.register).
 */
import type { DepositFlow } from '../../deposit/deposit-flow.js';
import type { Camera } from '../../hardware/camera/camera.js';
import type { Gpio } from '../../hardware/gpio/gpio.js';
import type { DeviceConfig } from '../../ops/config/schema.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';
import type { Logger } from '../../ops/logger.js';
import { COMMAND_RESULT_MAX_BYTES } from '../../protocol/commands.js';
import type { CommandHandlers } from '../../sync/commands/command-handlers.js';
import type { ShadowService } from '../../sync/shadow/shadow-service.js';
import { GpioConsole } from '../console-devices/gpio-console.js';
import { newestLinesWithin } from './bounded-lines.js';
import { boundJpeg } from './snapshot.js';

/** Room the result's other fields take beside the log lines. */
const LOG_RESULT_OVERHEAD_BYTES = 4096;

export interface FleetCommandParts {
  config: DeviceConfig;
  gpio: Gpio;
  camera: Camera;
  flow: Pick<DepositFlow, 'state' | 'on' | 'off'>;
  shadow: Pick<ShadowService, 'update' | 'resumes'>;
  /** The console facade's view of the log ring, outbox nudge and restart: one path for console and fleet. */
  kiosk: {
    recentLogs(count: number): string[];
    syncNow(): { connected: boolean; unsent: number };
    requestRestart(reason: string): void;
  };
  logger: Logger;
}

export function fleetCommandHandlers(parts: FleetCommandParts): CommandHandlers {
  const { config, gpio, camera, flow, shadow, kiosk, logger } = parts;
  const gpioConsole = new GpioConsole({ config, gpio, flow, logger });
  let unlocking = false;
  return {
    'door.unlock': {
      async run({ command, signal }) {
        if (unlocking) throw new KioskError(ErrorCode.CommandBusy, 'the door is already being unlocked by another command', {});
        unlocking = true;
        try {
          const pulse = await gpioConsole.unlockDoor(command.params.durationMs, signal);
          return { status: 'ok', data: { line: config.deposit.doorLock, unlockedMs: pulse.ms } };
        } finally {
          unlocking = false;
        }
      },
    },
    'runtime.restart': {
      async run({ command }) {
        const reason = `fleet command ${command.id}${command.params.reason === undefined ? '' : `: ${command.params.reason}`}`;
        // Restart only once the backend has the answer: after a restart the result could not be sent any more.
        return { status: 'ok', data: { restarting: true }, afterPublish: () => kiosk.requestRestart(reason) };
      },
    },
    'logs.pull': {
      async run({ command }) {
        const requested = command.params.lines;
        const { lines, truncated } = newestLinesWithin(kiosk.recentLogs(requested), COMMAND_RESULT_MAX_BYTES - LOG_RESULT_OVERHEAD_BYTES);
        return { status: 'ok', data: { requested, returned: lines.length, truncated, lines } };
      },
    },
    'camera.snapshot': {
      async run() {
        const frame = await camera.grab();
        const bounded = await boundJpeg(frame.jpeg);
        return {
          status: 'ok',
          data: {
            contentType: 'image/jpeg',
            width: bounded.width,
            height: bounded.height,
            bytes: bounded.jpeg.length,
            originalBytes: bounded.originalBytes,
            downscaled: bounded.downscaled,
            capturedUptimeMs: frame.uptimeMs,
            jpegBase64: bounded.jpeg.toString('base64'),
          },
        };
      },
    },
    'sync.now': {
      async run() {
        return { status: 'ok', data: kiosk.syncNow() };
      },
    },
    'config.update': {
      run: ({ command }) => shadow.update(command.params, command.id),
      resumes: (commandId) => shadow.resumes(commandId),
    },
  };
}
