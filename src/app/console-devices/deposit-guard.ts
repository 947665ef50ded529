import type { DepositFlow, DepositState } from '../../deposit/deposit-flow.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';

/**
 * A device command that moves, re-zeroes or borrows hardware the deposit flow
 * uses runs only while the flow is idle: a consumer's item is never weighed
 * against a fresh tare, locked out by a lock pulse or dropped by a diverter test.
 */
export function requireIdleFlow(flow: Pick<DepositFlow, 'state'>, action: string): void {
  if (flow.state !== 'idle') {
    throw new KioskError(ErrorCode.ConsoleDepositInProgress, `cannot ${action}: a deposit is in progress (${flow.state}); try again when idle`, {
      action,
      depositState: flow.state,
    });
  }
}

/** States in which no consumer's deposit is under way: the flow holds no item (it may hold the door locked, while paused). */
export const NO_DEPOSIT_STATES: ReadonlySet<DepositState> = new Set<DepositState>(['idle', 'paused', 'out-of-service']);

/** Like requireIdleFlow, for an action that is also safe while intake is paused or the kiosk is out of service (unlocking the door). */
export function requireNoDeposit(flow: Pick<DepositFlow, 'state'>, action: string): void {
  if (!NO_DEPOSIT_STATES.has(flow.state)) requireIdleFlow(flow, action);
}
