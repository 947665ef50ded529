/**
 * UPU S10 item identifiers (EMS, registered post): two letters, eight serial
 * digits, a mod-11 check digit, a two-letter country code, e.g. RR473124829GB.
 */
const S10 = /^[A-Z]{2}(\d{8})(\d)[A-Z]{2}$/;
const WEIGHTS = [8, 6, 4, 2, 3, 5, 9, 7];

export function s10CheckDigitValid(identifier: string): boolean {
  const match = S10.exec(identifier);
  if (!match) return false;
  const serial = match[1] ?? '';
  const sum = [...serial].reduce((total, digit, i) => total + Number(digit) * (WEIGHTS[i] ?? 0), 0);
  const remainder = 11 - (sum % 11);
  const check = remainder === 10 ? 0 : remainder === 11 ? 5 : remainder;
  return check === Number(match[2]);
}
