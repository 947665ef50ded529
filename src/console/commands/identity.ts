import { defineCommand } from '../command.js';

export const identityCommand = defineCommand({
  name: 'identity',
  summary: 'device id and station id',
  requiresLogin: true,
  define(program, ctx) {
    program.action(() => {
      const { deviceId, stationId } = ctx.kiosk.identity();
      ctx.result({ deviceId, stationId });
    });
  },
});
