import { defineCommand } from '../command.js';

export const logoutCommand = defineCommand({
  name: 'logout',
  summary: 'end the technician session',
  requiresLogin: true,
  define(program, ctx) {
    program.action(() => {
      const technician = ctx.session.technician;
      ctx.session.logout();
      ctx.result({ technician }, `logged out ${technician ?? ''}`.trimEnd());
    });
  },
});
