/**
 * Over-the-air model updates, wired: the OTA model store beside the database
 * (the classifier starts from it), the updater over the running classifier,
 * and the `model.update` command handler in the command service's slot.
 * Only for the ONNX classifier; the scenario classifier has no model file.
 */
import { resolve } from 'node:path';
import type { DeviceConfig } from '../ops/config/schema.js';
import type { Logger } from '../ops/logger.js';
import type { EventStore } from '../store/event-store.js';
import { readBrokerTlsFiles } from '../sync/broker-tls.js';
import type { CommandService } from '../sync/commands/command-service.js';
import type { FleetKeyring } from '../sync/commands/fleet-keyring.js';
import { ModelUpdateHandler } from '../sync/ota/model-update-handler.js';
import { ModelUpdater } from '../sync/ota/model-updater.js';
import type { Classifier } from '../vision/classifier.js';
import { otaModelsRoot } from '../vision/model-store/layout.js';
import { ModelStore } from '../vision/model-store/model-store.js';
import { OnnxClassifier } from '../vision/onnx-classifier.js';

/** The store the classifier is created with: built before the classifier, so its start sees the installed models. */
export function createModelStore(config: DeviceConfig, logger: Logger): ModelStore | undefined {
  if (config.classifier.kind !== 'onnx') return undefined;
  return new ModelStore({ root: otaModelsRoot(config.store.path), factoryDir: resolve(config.classifier.modelDir), logger });
}

export interface ModelUpdates {
  store: ModelStore;
  updater: ModelUpdater;
  handler: ModelUpdateHandler;
}

export function wireModelUpdates(parts: {
  config: DeviceConfig;
  store: ModelStore | undefined;
  classifier: Classifier;
  events: EventStore;
  keyring: FleetKeyring;
  commands: CommandService;
  logger: Logger;
}): ModelUpdates | undefined {
  const { store, classifier, logger } = parts;
  if (!store || !(classifier instanceof OnnxClassifier)) return undefined;
  const ca = readBrokerTlsFiles(parts.config.broker).ca;
  const updater = new ModelUpdater({ store, classifier, events: parts.events, logger, ...(ca === undefined ? {} : { download: { ca } }) });
  const handler = new ModelUpdateHandler({ updater, store, keyring: parts.keyring, finisher: () => parts.commands, logger });
  parts.commands.register('model.update', handler);
  return { store, updater, handler };
}
