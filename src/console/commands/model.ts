import { formatDuration } from '../output.js';
import { defineCommand, type JsonObject } from '../command.js';
import type { ModelInfoView } from '../device-facade.js';

export const modelCommand = defineCommand({
  name: 'model',
  summary: 'the image classifier: model info',
  requiresLogin: true,
  define(program, ctx) {
    program
      .command('info', { isDefault: true })
      .description('name@version, labels, input, sha256, threads, health, last inference, routes (label -> bin)')
      .action(async () => {
        const info = await ctx.kiosk.devices.modelInfo();
        ctx.result(info as unknown as JsonObject, render(info));
      });
  },
});

function render(info: ModelInfoView): string[] {
  const { manifest, lastInference } = info;
  const lines = [
    `model:     ${info.model} (${info.kind})`,
    `health:    ${info.health.state}${info.health.detail ? `: ${info.health.detail}` : ''}`,
    `labels:    ${info.labels.length > 0 ? info.labels.join(', ') : '(none reported)'}`,
  ];
  if (manifest) {
    const { input } = manifest;
    lines.push(
      `input:     ${input.name} ${input.width}x${input.height}x${input.channels} ${input.layout} ${input.colorOrder}, resize ${input.resize}`,
      `sha256:    ${manifest.sha256} (${manifest.bytes} bytes)`,
      `manifest:  ${manifest.id}, model labels ${manifest.labels.join(', ')}${manifest.emptyLabel ? `, empty label ${manifest.emptyLabel}` : ''}`,
    );
  }
  if (info.manifestNote) lines.push(`note:      ${info.manifestNote}`);
  if (info.threads !== null) lines.push(`threads:   ${info.threads}`);
  if (info.emptyReference) lines.push(`reference: ${info.emptyReference.path} (${info.emptyReference.fileExists ? 'stored' : 'not stored yet: run camera reference'})`);
  lines.push(
    `last:      ${lastInference ? `${lastInference.label} ${lastInference.confidence} at ${lastInference.at} (${formatDuration(lastInference.ageMs)} ago, ${lastInference.model})` : 'no deposit classified since start'}`,
    'routes:',
    ...info.routes.map((route) => `  ${route.label.padEnd(16)} -> ${route.bin}${route.diverter ? ` (${route.diverter})` : ''}`),
  );
  return lines;
}
