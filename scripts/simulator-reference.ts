/**
 * Writes the simulator's empty-chamber reference (npx tsx scripts/simulator-reference.ts):
 * device-config/simulator/empty-chamber.jpg, which device-config/default.json names as
 * classifier.emptyReference.path.
 *
 * The simulated camera shows PLACEHOLDER_FRAME_JPEG whenever the chamber is empty (before
 * the first item and after each one), so those bytes are the simulated chamber's empty
 * picture: exactly what the console's `camera reference` stores on the simulated kiosk.
 * test/vision/default-config.test.ts checks that the committed file still matches.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { PLACEHOLDER_FRAME_JPEG } from '../src/hardware/camera/placeholder-frame.js';

const SIMULATOR_REFERENCE = join(import.meta.dirname, '..', 'device-config', 'simulator', 'empty-chamber.jpg');

mkdirSync(dirname(SIMULATOR_REFERENCE), { recursive: true });
writeFileSync(SIMULATOR_REFERENCE, PLACEHOLDER_FRAME_JPEG);
process.stdout.write(`wrote ${relative(process.cwd(), SIMULATOR_REFERENCE)} (${PLACEHOLDER_FRAME_JPEG.length} bytes)\n`);
