/**
 * Counts for classifier evaluation (scripts/eval-classifier.ts): a confusion
 * matrix over true and predicted labels, and per-label precision and recall.
 * Labels appear in the order first seen, true labels first.
 */
export interface LabelMetrics {
  label: string;
  /** Items whose true label this is. */
  support: number;
  /** Items predicted as this label. */
  predicted: number;
  truePositives: number;
  /** TP / predicted; NaN when nothing was predicted as this label. */
  precision: number;
  /** TP / support; NaN when no item has this true label. */
  recall: number;
}

export class ConfusionMatrix {
  private readonly order: string[] = [];
  private readonly counts = new Map<string, Map<string, number>>();
  private total = 0;

  /** Declares labels up front, so they show (in this order) even when never seen. */
  constructor(labels: readonly string[] = []) {
    for (const label of labels) this.know(label);
  }

  add(actual: string, predicted: string): void {
    this.know(actual);
    this.know(predicted);
    const row = this.counts.get(actual) ?? new Map<string, number>();
    row.set(predicted, (row.get(predicted) ?? 0) + 1);
    this.counts.set(actual, row);
    this.total += 1;
  }

  get labels(): readonly string[] {
    return this.order;
  }

  get size(): number {
    return this.total;
  }

  count(actual: string, predicted: string): number {
    return this.counts.get(actual)?.get(predicted) ?? 0;
  }

  accuracy(): number {
    const correct = this.order.reduce((sum, label) => sum + this.count(label, label), 0);
    return this.total === 0 ? Number.NaN : correct / this.total;
  }

  metrics(): LabelMetrics[] {
    return this.order.map((label) => {
      const truePositives = this.count(label, label);
      const support = this.order.reduce((sum, predicted) => sum + this.count(label, predicted), 0);
      const predicted = this.order.reduce((sum, actual) => sum + this.count(actual, label), 0);
      return {
        label,
        support,
        predicted,
        truePositives,
        precision: predicted === 0 ? Number.NaN : truePositives / predicted,
        recall: support === 0 ? Number.NaN : truePositives / support,
      };
    });
  }

  private know(label: string): void {
    if (!this.order.includes(label)) this.order.push(label);
  }
}
