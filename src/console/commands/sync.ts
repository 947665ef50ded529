import { defineCommand } from '../command.js';

export const syncCommand = defineCommand({
  name: 'sync',
  summary: 'outbox sync to the backend: sync now',
  requiresLogin: true,
  define(program, ctx) {
    program
      .command('now')
      .description('publish unsent events now instead of waiting for the next retry')
      .action(() => {
        const nudge = ctx.kiosk.syncNow();
        ctx.auditDetail('sync nudged');
        ctx.result(
          { connected: nudge.connected, unsent: nudge.unsent },
          nudge.connected ? `sync nudged; ${nudge.unsent} unsent` : `broker link is down; ${nudge.unsent} unsent events wait for it (they are kept)`,
        );
      });
  },
});
