import { defineCommand, type JsonObject } from '../command.js';
import type { ImageFileView } from '../device-facade.js';

export const cameraCommand = defineCommand({
  name: 'camera',
  summary: 'the chamber camera: camera snapshot [--out file] | camera reference',
  requiresLogin: true,
  define(program, ctx) {
    program
      .command('snapshot')
      .description('grab a fresh frame and save it; prints size, width x height and mean brightness')
      .option('--out <file>', 'where to save it, in an existing directory; a relative path is under the data directory (default: snapshots/snapshot-<time>.jpg there)')
      .action(async (options: { out?: string }) => {
        const snapshot = await ctx.kiosk.devices.cameraSnapshot({ out: options.out });
        ctx.auditDetail(`snapshot ${snapshot.path}`);
        ctx.result(snapshot as unknown as JsonObject, imageLines('saved', snapshot));
      });
    program
      .command('reference')
      .description('store a frame of the EMPTY chamber as the empty-chamber reference the classifier compares frames with')
      .action(async () => {
        const reference = await ctx.kiosk.devices.cameraReference();
        ctx.auditDetail(`empty-chamber reference ${reference.path} (${reference.inUse ? 'in use' : 'not in use'})`);
        ctx.result(reference as unknown as JsonObject, [
          ...imageLines('reference stored', reference),
          `classifier: ${reference.classifier}: ${reference.note}`,
          `path saved as setting ${reference.persistedAs}`,
        ]);
      });
  },
});

function imageLines(what: string, image: ImageFileView): string[] {
  return [`${what}: ${image.path}`, `${image.bytes} bytes, ${image.width}x${image.height}, mean brightness ${image.brightness} of 255`];
}
