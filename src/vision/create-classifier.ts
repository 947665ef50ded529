import type { DeviceConfig } from '../ops/config/schema.js';
import { ErrorCode, KioskError } from '../ops/errors.js';
import type { Classifier } from './classifier.js';
import { ScenarioClassifier } from './scenario-classifier.js';

export function createClassifier(config: DeviceConfig['classifier']): Classifier {
  switch (config.kind) {
    case 'scenario':
      return new ScenarioClassifier();
    case 'onnx':
      throw new KioskError(ErrorCode.ClassifierFault, 'the ONNX classifier is not in this build yet', { kind: config.kind });
  }
}
