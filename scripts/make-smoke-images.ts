/**
 * Writes models/smoke/*.jpg: the reference pictures every over-the-air model
 * is shown before the kiosk switches to it (src/vision/model-smoke-test.ts).
 * All are drawn here from SVG (plus the simulated camera's own placeholder
 * frame), so the repository ships no photo from any data set.
 *
 *   npx tsx scripts/make-smoke-images.ts [--out models/smoke]
 *
 * The smoke test checks that a model's outputs are usable on these (finite,
 * one probability per label, summing to 1), not what it calls them: an OTA
 * model may have any labels.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { PLACEHOLDER_FRAME_JPEG } from '../src/hardware/camera/placeholder-frame.js';

const WIDTH = 320;
const HEIGHT = 240;

/** A chamber floor with soft light from the top, under every item. */
const floor = `
  <defs><linearGradient id="floor" x1="0" y1="0" x2="0" y2="1">
    <stop offset="0" stop-color="#c9c6bf"/><stop offset="1" stop-color="#9c9890"/>
  </linearGradient></defs>
  <rect width="${WIDTH}" height="${HEIGHT}" fill="url(#floor)"/>`;

const scenes: Record<string, string> = {
  'empty-chamber': '',
  'carton-box': `
    <polygon points="90,90 200,70 250,110 140,132" fill="#c79a63"/>
    <polygon points="90,90 140,132 140,205 90,165" fill="#a97c48"/>
    <polygon points="140,132 250,110 250,182 140,205" fill="#b88a55"/>
    <rect x="150" y="150" width="60" height="22" fill="#f4f1ea" transform="rotate(-11 180 160)"/>`,
  'paper-sheets': `
    <polygon points="70,70 230,55 250,170 85,190" fill="#f6f4ee"/>
    <polygon points="95,90 240,80 255,185 100,200" fill="#ebe8df"/>
    <line x1="115" y1="110" x2="220" y2="102" stroke="#9aa0a8" stroke-width="3"/>
    <line x1="118" y1="128" x2="226" y2="120" stroke="#9aa0a8" stroke-width="3"/>`,
  'plastic-mailer': `
    <rect x="70" y="60" width="180" height="130" rx="10" fill="#7d8fb8" opacity="0.9"/>
    <rect x="80" y="66" width="160" height="14" fill="#b7c3dd"/>
    <rect x="160" y="120" width="70" height="40" fill="#eef0f3"/>`,
  'glass-bottle': `
    <rect x="140" y="40" width="30" height="40" fill="#3f7d52" opacity="0.85"/>
    <rect x="115" y="80" width="80" height="130" rx="18" fill="#3f7d52" opacity="0.85"/>
    <rect x="125" y="95" width="12" height="90" fill="#a8d4b5" opacity="0.7"/>`,
  'metal-can': `
    <ellipse cx="160" cy="70" rx="45" ry="12" fill="#d7d9dc"/>
    <rect x="115" y="70" width="90" height="125" fill="#aeb3b9"/>
    <ellipse cx="160" cy="195" rx="45" ry="12" fill="#8e949b"/>
    <rect x="125" y="80" width="10" height="105" fill="#e9ebee"/>`,
  'mixed-trash': `
    <ellipse cx="150" cy="140" rx="85" ry="55" fill="#3b3a3f"/>
    <ellipse cx="120" cy="120" rx="25" ry="18" fill="#55545a"/>
    <rect x="175" y="100" width="45" height="30" fill="#c43f36" transform="rotate(20 197 115)"/>`,
};

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'models/smoke' } } });
  const out = resolve(values.out ?? 'models/smoke');
  await mkdir(out, { recursive: true });
  for (const [name, items] of Object.entries(scenes)) {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}">${floor}${items}</svg>`;
    const jpeg = await sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
    await writeFile(join(out, `${name}.jpg`), jpeg);
  }
  // The simulated camera's frame when a scenario names no image: what a simulated kiosk classifies most.
  await writeFile(join(out, 'simulator-placeholder.jpg'), PLACEHOLDER_FRAME_JPEG);
  process.stdout.write(`wrote ${Object.keys(scenes).length + 1} pictures to ${out}\n`);
}

await main();
