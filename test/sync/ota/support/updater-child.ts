/**
 * A kiosk's OTA path as its own process, for the tests that SIGKILL it:
 * starts the classifier from the model store as the kiosk does, classifies a
 * frame, runs one update (resuming whatever an earlier, killed run left),
 * then passes the health check. Every step is one JSON line on stdout.
 *
 *   OTA_CHILD='{"databaseFile":…,"factoryDir":…,"packageFile":…,"frame":…}' node --import tsx updater-child.ts
 */
import { readFileSync } from 'node:fs';
import { ModelPackage } from '../../../../src/protocol/model-package.js';
import { OtaRig } from './ota-rig.js';

export interface ChildSpec {
  databaseFile: string;
  factoryDir: string;
  packageFile: string;
  /** A JPEG the models classify; also the health check's frames. */
  frame: string;
  commandId: string;
}

function say(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const spec = JSON.parse(process.env.OTA_CHILD ?? '{}') as ChildSpec;
const rig = await new OtaRig({ databaseFile: spec.databaseFile, factoryDir: spec.factoryDir }).start();
const frame = readFileSync(spec.frame);
say({ event: 'started', model: rig.classifier.model, state: rig.classifier.health().state });
const first = await rig.classifier.classify(frame);
say({ event: 'classified', model: first.model, label: first.scores[0]?.label ?? null });
rig.updater.on('progress', (progress) => say({ event: 'progress', ...progress }));
const pkg = ModelPackage.parse(JSON.parse(readFileSync(spec.packageFile, 'utf8')));
const outcome = await rig.updater.update(pkg, { commandId: spec.commandId });
say({ event: 'outcome', ...outcome });
if (outcome.status === 'ok') {
  for (let index = 0; index < 3; index += 1) await rig.classifier.classify(frame);
  say({ event: 'confirmed', trial: rig.store.pointer()?.trial ?? null });
}
await rig.stop();
say({ event: 'stopped' });
