#!/usr/bin/env -S npx tsx
/**
 * The fleet team's tool: signs a command (or a desired config) with a fleet
 * key and publishes it to one kiosk, then prints the kiosk's answer as JSON.
 *
 *   npm run fleet-command -- send door.unlock --params '{"durationMs":5000}' \
 *       --broker mqtts://broker:8883 --device kiosk-0042 --key fleet-commands.key --kid fleet-commands-2026
 *   npm run fleet-command -- desired --version 7 --patch '{"deposit":{"minConfidence":0.7}}' \
 *       --broker mqtt://broker:1883 --device kiosk-0042 --key fleet-config.key --kid fleet-config-2026
 *
 * `send` waits for the command's final result (an in-progress answer is
 * printed and the wait goes on, e.g. across the restart of a config.update);
 * `desired` publishes the retained desired document and waits for the
 * kiosk's shadow/reported on that version. Exit 0: ok / applied; 1: failed,
 * rejected or rolled back; 2: no answer in time; 64: bad usage.
 * The broker password comes from FLEET_BROKER_PASSWORD, never the command line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { FleetCommandClient, type FleetClientOptions } from '../src/fleet/command-client.js';
import { buildCommand, buildDesired, signCommand, signDesired, signingKeyFromPem, type FleetSigningKey } from '../src/fleet/signer.js';
import { COMMAND_TYPES, type KioskCommandType } from '../src/protocol/commands.js';

interface Common {
  broker: string;
  device: string;
  key: string;
  kid: string;
  timeout: number;
  username?: string;
  ca?: string;
  cert?: string;
  clientKey?: string;
}

const seconds = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError('a positive number of seconds');
  return parsed;
};
const json = (value: string): Record<string, unknown> => {
  try {
    const parsed = JSON.parse(value) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new InvalidArgumentError('a JSON object');
  }
};

function common(command: Command): Command {
  return command
    .requiredOption('--broker <url>', 'mqtt:// or mqtts:// URL of the fleet broker')
    .requiredOption('--device <id>', 'device.id of the kiosk')
    .requiredOption('--key <file>', 'the fleet private key (PKCS#8 PEM, from fleet-keygen)')
    .requiredOption('--kid <kid>', 'the key id the kiosk knows the key by (device-config fleet.keys[].id)')
    .option('--timeout <seconds>', 'how long to wait for the answer', seconds, 60)
    .option('--username <name>', 'broker user name (the password comes from FLEET_BROKER_PASSWORD)')
    .option('--ca <file>', 'CA certificate (PEM) of the broker, for mqtts://')
    .option('--cert <file>', 'client certificate (PEM), for mutual TLS')
    .option('--client-key <file>', 'client private key (PEM), for mutual TLS');
}

function clientOptions(options: Common): FleetClientOptions {
  const password = process.env.FLEET_BROKER_PASSWORD;
  const tls = {
    ...(options.ca ? { ca: readFileSync(options.ca) } : {}),
    ...(options.cert ? { cert: readFileSync(options.cert) } : {}),
    ...(options.clientKey ? { key: readFileSync(options.clientKey) } : {}),
  };
  return { url: options.broker, ...(options.username ? { username: options.username } : {}), ...(password ? { password } : {}), tls };
}

function signingKey(options: Common): FleetSigningKey {
  return signingKeyFromPem(options.kid, readFileSync(options.key, 'utf8'));
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

async function withClient(options: Common, run: (client: FleetCommandClient) => Promise<number>): Promise<number> {
  const client = await FleetCommandClient.connect(clientOptions(options));
  try {
    return await run(client);
  } catch (error) {
    process.stderr.write(`fleet-command: ${(error as Error).message}\n`);
    return 2;
  } finally {
    await client.close();
  }
}

const program = new Command().name('fleet-command').description('sign and publish a command or desired config to one kiosk, and print its answer');

common(program.command('send').description('send a signed command and print its result'))
  .argument('<type>', `command type: ${COMMAND_TYPES.join(', ')}`)
  .option('--params <json>', 'the command params as a JSON object', json, {})
  .option('--ttl <seconds>', 'how long the command stays valid (at most 24 h)', seconds, 300)
  .option('--id <id>', 'the command id (default: a random UUID); repeat one to get its first result again')
  .option('--snapshot <file>', 'camera.snapshot: write the JPEG here and leave the base64 out of the printout')
  .addOption(new Option('--no-wait-final', 'print the first answer, even when it is in-progress'))
  .action(async (type: string, options: Common & { params: Record<string, unknown>; ttl: number; id?: string; snapshot?: string; waitFinal: boolean }) => {
    if (!(COMMAND_TYPES as readonly string[]).includes(type)) {
      process.stderr.write(`fleet-command: unknown command type "${type}"; one of ${COMMAND_TYPES.join(', ')}\n`);
      process.exitCode = 64;
      return;
    }
    // params are checked where it matters, by the kiosk (a wrong one comes back as invalid-params); the draft cannot type a runtime-chosen type's params.
    const command = buildCommand({ type: type as KioskCommandType, deviceId: options.device, params: options.params as never, ttlMs: options.ttl * 1000, ...(options.id ? { id: options.id } : {}) });
    const signed = await signCommand(command, signingKey(options));
    process.exitCode = await withClient(options, async (client) => {
      await client.sendCommand(options.device, signed);
      const deadline = Date.now() + options.timeout * 1000;
      let result = await client.waitForResult((r) => r.deviceId === options.device && r.commandId === command.id, options.timeout * 1000);
      if (result.status === 'in-progress' && options.waitFinal) {
        process.stderr.write('fleet-command: in progress; waiting for the final result\n');
        result = await client.waitForResult((r) => r.deviceId === options.device && r.commandId === command.id && r.status !== 'in-progress', Math.max(1, deadline - Date.now()));
      }
      if (options.snapshot && typeof result.data?.jpegBase64 === 'string') {
        writeFileSync(options.snapshot, Buffer.from(result.data.jpegBase64, 'base64'));
        result = { ...result, data: { ...result.data, jpegBase64: `(written to ${options.snapshot})` } };
      }
      print(result);
      return result.status === 'ok' || result.status === 'in-progress' ? 0 : 1;
    });
  });

common(program.command('desired').description('publish a signed desired config (retained) and print the shadow report on it'))
  .requiredOption('--version <n>', 'desired version; higher than any the kiosk handled', (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('a whole number from 1');
    return parsed;
  })
  .requiredOption('--patch <json>', 'JSON merge patch (RFC 7396) over the fleet-managed config', json)
  .action(async (options: Common & { version: number; patch: Record<string, unknown> }) => {
    const signed = await signDesired(buildDesired(options.device, options.version, options.patch), signingKey(options));
    process.exitCode = await withClient(options, async (client) => {
      await client.publishDesired(options.device, signed);
      const reported = await client.waitForReported((r) => r.deviceId === options.device && r.desiredVersion >= options.version && r.state !== 'applying', options.timeout * 1000);
      print(reported);
      return reported.state === 'applied' && reported.desiredVersion === options.version ? 0 : 1;
    });
  });

program.exitOverride((error) => {
  process.exit(error.exitCode === 0 ? 0 : 64);
});
await program.parseAsync();
