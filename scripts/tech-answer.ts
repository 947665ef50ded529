#!/usr/bin/env -S npx tsx
/**
 * The technician's answer to a kiosk console login challenge.
 *
 *   kiosk> login alice
 *   kiosk-tech/1 challenge kiosk-0042 alice 3f9c...e1
 *   response: ****
 *
 * Copy the challenge line into this tool (argument or stdin); it prints the
 * response to paste back. The fleet technician key comes from a file
 * (--key-file, 64 hex chars or 32 raw bytes) or KIOSK_FLEET_TECH_KEY (hex);
 * it never leaves the technician's laptop, and the response is only good for
 * that one challenge.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { answerWithFleetKey } from '../src/console/tech-key.js';

function readKey(keyFile: string | undefined): Buffer {
  const raw = keyFile !== undefined ? readFileSync(keyFile) : Buffer.from(process.env.KIOSK_FLEET_TECH_KEY ?? '', 'utf8');
  const text = raw.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64,}$/.test(text)) return Buffer.from(text, 'hex');
  if (keyFile !== undefined && raw.length >= 32) return raw;
  throw new Error('no fleet technician key: give --key-file <file> or set KIOSK_FLEET_TECH_KEY (hex, 32 bytes or more)');
}

async function readStdinLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('challenge') && text.includes('\n')) break;
  }
  return text;
}

const program = new Command()
  .name('tech-answer')
  .description('answer a kiosk console login challenge')
  .argument('[challenge...]', 'the challenge line; read from stdin when absent')
  .option('--key-file <file>', 'fleet technician key (hex or raw)')
  .parse();

try {
  const words = program.args;
  const line = words.length > 0 ? words.join(' ') : await readStdinLine();
  process.stdout.write(`${answerWithFleetKey(readKey(program.opts<{ keyFile?: string }>().keyFile), line)}\n`);
} catch (error) {
  process.stderr.write(`tech-answer: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
