import { resolve } from 'node:path';
import type { ClassifierConfig } from '../ops/config/classifier-config.js';
import { createSilentLogger, type Logger } from '../ops/logger.js';
import type { Classifier } from './classifier.js';
import type { ModelSource } from './model-store/model-store.js';
import { OnnxClassifier } from './onnx-classifier.js';
import { ScenarioClassifier } from './scenario-classifier.js';

export interface ClassifierDependencies {
  logger: Logger;
  /** Over-the-air models to try before classifier.modelDir (src/vision/model-store/). */
  source: ModelSource;
}

/**
 * Builds the classifier device-config asks for. Nothing is loaded here: the
 * ONNX classifier reads and verifies its model in start(), and faults (rather
 * than throws) when it cannot. Relative paths resolve against the working
 * directory, like store.path.
 */
export function createClassifier(config: ClassifierConfig, dependencies: Partial<ClassifierDependencies> = {}): Classifier {
  const logger = dependencies.logger ?? createSilentLogger();
  switch (config.kind) {
    case 'scenario':
      return new ScenarioClassifier();
    case 'onnx':
      return new OnnxClassifier({
        modelDir: resolve(config.modelDir),
        threads: config.threads,
        chamber: config.chamber,
        logger,
        ...(dependencies.source === undefined ? {} : { source: dependencies.source }),
        ...(config.labelMap === undefined ? {} : { labelMap: resolve(config.labelMap) }),
        ...(config.emptyReference === undefined
          ? {}
          : { emptyReference: { path: resolve(config.emptyReference.path), maxDifference: config.emptyReference.maxDifference } }),
      });
  }
}
