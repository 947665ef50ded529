import { defineCommand, type JsonObject } from '../command.js';
import { queueLine } from './status.js';

export const queueCommand = defineCommand({
  name: 'queue',
  summary: 'the outbox of events waiting for the backend: queue stats',
  requiresLogin: true,
  define(program, ctx) {
    program
      .command('stats', { isDefault: true })
      .description('events held, unsent, age of the oldest unsent, last seq')
      .action(() => {
        const stats = ctx.kiosk.queueStats();
        ctx.result(stats as unknown as JsonObject, queueLine(stats));
      });
  },
});
