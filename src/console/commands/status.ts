import { defineCommand, type JsonObject } from '../command.js';
import type { KioskStatusSnapshot, QueueStats } from '../kiosk-facade.js';
import { formatDuration } from '../output.js';

export const statusCommand = defineCommand({
  name: 'status',
  summary: 'identity, versions, uptime, devices, deposit state, queue, broker link, model',
  requiresLogin: true,
  define(program, ctx) {
    program.action(() => {
      const status = ctx.kiosk.status();
      ctx.result(status as unknown as JsonObject, render(status));
    });
  },
});

export function queueLine(queue: QueueStats): string {
  const oldest = queue.oldestUnsentAgeMs === null ? 'nothing waiting' : `oldest ${formatDuration(queue.oldestUnsentAgeMs)} old`;
  return `${queue.unsent} unsent of ${queue.total} (${oldest}), last seq ${queue.lastSeq}`;
}

function render(status: KioskStatusSnapshot): string[] {
  const devices = Object.entries(status.devices).map(([name, health]) => `  ${name.padEnd(10)} ${health.state}${health.detail ? `: ${health.detail}` : ''}`);
  return [
    `device:   ${status.identity.deviceId} at ${status.identity.stationId}`,
    `runtime:  ${status.runtimeVersion}, config version ${status.configVersion}`,
    `uptime:   ${formatDuration(status.uptimeMs)} (boot ${status.bootId})`,
    `deposit:  ${status.depositState}`,
    `queue:    ${queueLine(status.queue)}`,
    `broker:   ${status.broker.connected ? 'up' : 'down'} (${status.broker.url})`,
    `model:    ${status.model}`,
    'devices:',
    ...devices,
  ];
}
