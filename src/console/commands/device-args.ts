import { InvalidArgumentError } from 'commander';

/** A commander argument parser for a whole number in [min, max]; a bad value becomes the shell's one-line [E501]. */
export function wholeNumber(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`a whole number from ${min} to ${max}`);
    return n;
  };
}

/** A commander argument parser for a finite number (range checks are the device's, with its own coded error). */
export function finiteNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('a number');
  return n;
}
