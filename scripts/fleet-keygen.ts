#!/usr/bin/env -S npx tsx
/**
 * Makes a fleet signing key pair:
 *
 *   npm run fleet-keygen -- --out fleet-commands-2026.key --kid fleet-commands-2026 --use commands
 *
 * Writes the private key (PKCS#8 PEM, mode 0600, never over an existing
 * file) for the backend's signer, and prints the public key in PEM with the
 * fleet.keys entry to put in each kiosk's device-config.
 */
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { generateFleetKeyPair } from '../src/fleet/signer.js';

const USES = ['commands', 'config', 'models'] as const;

const program = new Command()
  .name('fleet-keygen')
  .requiredOption('--out <file>', 'where to write the private key (must not exist)')
  .requiredOption('--kid <kid>', 'the key id (JWS "kid"; device-config fleet.keys[].id)')
  .option('--use <uses>', `what the key may sign, comma-separated: ${USES.join(', ')}`, (value) => {
    const uses = value.split(',').map((use) => use.trim());
    for (const use of uses) if (!(USES as readonly string[]).includes(use)) throw new InvalidArgumentError(`one or more of ${USES.join(', ')}`);
    return uses;
  }, ['commands'])
  .parse();
const options = program.opts<{ out: string; kid: string; use: string[] }>();

const { privateKeyPem, publicKeyPem } = generateFleetKeyPair();
try {
  writeFileSync(options.out, privateKeyPem, { mode: 0o600, flag: 'wx' });
} catch (error) {
  process.stderr.write(`fleet-keygen: cannot write ${options.out}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
  process.exit(1);
}
process.stderr.write(`fleet-keygen: private key written to ${options.out} (keep it secret; only the backend's signer needs it)\n`);
process.stdout.write(publicKeyPem);
process.stdout.write(`\ndevice-config fleet.keys entry:\n${JSON.stringify({ id: options.kid, publicKey: publicKeyPem, use: options.use }, null, 2)}\n`);
