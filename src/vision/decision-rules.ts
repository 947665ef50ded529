import type { DeviceConfig } from '../ops/config/schema.js';
import type { DecisionRules } from './decision.js';

/**
 * The decision's rules from device-config: deposit limits and routes, plus the
 * classifier section's weight ranges and waybill labels. One place, so the
 * deposit flow and tools decide by the same table.
 */
export function decisionRulesFrom(config: Pick<DeviceConfig, 'deposit' | 'routes' | 'classifier'>): DecisionRules {
  const { deposit, routes, classifier } = config;
  return {
    minConfidence: deposit.minConfidence,
    minItemGrams: deposit.minItemGrams,
    maxItemGrams: deposit.maxItemGrams,
    routes,
    weightRanges: classifier.weightRanges,
    ...(classifier.waybillLabels === undefined ? {} : { waybillLabels: classifier.waybillLabels }),
  };
}
