import { defineCommand } from '../command.js';

export const restartCommand = defineCommand({
  name: 'restart',
  summary: 'stop the kiosk cleanly and let the service manager start it again',
  requiresLogin: true,
  define(program, ctx) {
    program.action(() => {
      ctx.auditDetail('restart requested');
      ctx.result({ restarting: true }, 'restarting: the kiosk finishes the current deposit, stops, and is started again');
      ctx.kiosk.requestRestart(`console (${ctx.session.technician ?? 'unknown'})`);
    });
  },
});
