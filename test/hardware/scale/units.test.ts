import { describe, expect, it } from 'vitest';
import { parsePrintedWeight } from '../../../src/hardware/scale/printed-weight.js';
import { fromGrams, parseUnit, roundGrams, toGrams } from '../../../src/hardware/scale/units.js';

describe('weight units', () => {
  it.each([
    [1.25, 'kg', 1250],
    [0.1, 'kg', 100],
    [100, 'g', 100],
    [2500, 'mg', 2.5],
    [1, 'lb', 453.59237],
    [2.5, 'lb', 1133.980925],
    [1, 'oz', 28.349523],
    [16, 'oz', 453.59237],
    [-0.02, 'kg', -20],
    [0, 'kg', 0],
  ] as const)('%d %s is %d g', (value, unit, grams) => {
    expect(toGrams(value, unit)).toBe(grams);
  });

  it.each([
    ['g', 'g'],
    ['kg', 'kg'],
    ['KG', 'kg'],
    [' Kg ', 'kg'],
    ['mg', 'mg'],
    ['LB', 'lb'],
    ['oz', 'oz'],
    ['ct', undefined],
    ['N', undefined],
    ['', undefined],
    ['gg', undefined],
    ['constructor', undefined],
    ['__proto__', undefined],
  ])('reads the unit %j as %s', (text, unit) => {
    expect(parseUnit(text)).toBe(unit);
  });

  it('converts back from grams and rounds without a negative zero', () => {
    expect(fromGrams(1250, 'kg')).toBe(1.25);
    expect(Object.is(roundGrams(-0.0001), 0)).toBe(true);
    expect(roundGrams(1.23456)).toBe(1.235);
  });

  it.each([
    ['100.00', 'g', { value: 100, unit: 'g', grams: 100, decimals: 2 }],
    ['-12.5', 'g', { value: -12.5, unit: 'g', grams: -12.5, decimals: 1 }],
    ['+0001.250', 'kg', { value: 1.25, unit: 'kg', grams: 1250, decimals: 3 }],
    ['.5', 'kg', { value: 0.5, unit: 'kg', grams: 500, decimals: 1 }],
    ['7', 'lb', { value: 7, unit: 'lb', grams: 3175.14659, decimals: 0 }],
  ] as const)('reads the printed weight %s %s', (value, unit, expected) => {
    expect(parsePrintedWeight(value, unit)).toEqual(expected);
  });

  it.each([
    ['', 'g', 'bad-value'],
    ['1e3', 'g', 'bad-value'],
    ['0x10', 'g', 'bad-value'],
    ['1,5', 'g', 'bad-value'],
    ['Infinity', 'g', 'bad-value'],
    ['NaN', 'g', 'bad-value'],
    ['1.2.3', 'g', 'bad-value'],
    ['--1', 'g', 'bad-value'],
    ['.', 'g', 'bad-value'],
    ['1234567890123', 'g', 'bad-value'],
    ['10', 'ct', 'bad-unit'],
  ])('refuses the printed weight %j %j (%s)', (value, unit, problem) => {
    expect(parsePrintedWeight(value, unit)).toBe(problem);
  });
});
