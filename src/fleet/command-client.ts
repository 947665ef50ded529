/**
 * The backend's side of commands and the config shadow, as a small MQTT 5
 * client: publishes signed commands and desired configs to one kiosk and
 * collects what kiosks answer on command-results and shadow/reported. Used by
 * `scripts/fleet-command.ts` (the fleet team's tool) and by the tests, so both
 * speak the protocol the same way. Depends only on src/protocol.
 *
 *   publish ──kiosk/v1/{id}/commands (QoS 1)──────────────► kiosk
 *           ──kiosk/v1/{id}/shadow/desired (QoS 1, retained)─► kiosk
 *   collect ◄──kiosk/v1/+/command-results, kiosk/v1/+/shadow/reported── kiosks
 */
import { EventEmitter } from 'node:events';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { CommandResult } from '../protocol/commands.js';
import { ShadowReported } from '../protocol/shadow.js';
import type { SignedDocument } from '../protocol/signed.js';
import { fleetTopic, parseTopic, topicFor, topicSettings, type TopicName } from '../protocol/topics.js';

export interface FleetClientOptions {
  url: string;
  username?: string;
  password?: string;
  clientId?: string;
  /** For mqtts:// URLs. */
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
}

interface FleetClientEvents {
  result: [result: CommandResult];
  reported: [reported: ShadowReported];
}

export class FleetCommandClient extends EventEmitter<FleetClientEvents> {
  readonly results: CommandResult[] = [];
  readonly reported: ShadowReported[] = [];
  /** Messages on the answer topics that were not valid answers. */
  invalid = 0;

  private constructor(private readonly client: MqttClient) {
    super();
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
  }

  static async connect(options: FleetClientOptions): Promise<FleetCommandClient> {
    const clientOptions: IClientOptions = {
      protocolVersion: 5,
      clientId: options.clientId ?? `fleet-command-${Math.random().toString(16).slice(2, 10)}`,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
      ...options.tls,
    };
    const client = await mqtt.connectAsync(options.url, clientOptions);
    const fleet = new FleetCommandClient(client);
    await client.subscribeAsync([fleetTopic('command-results'), fleetTopic('shadow/reported')], { qos: 1 });
    return fleet;
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }

  /** Publishes a signed command to one kiosk (QoS 1; resolves on the broker's PUBACK). */
  async sendCommand(deviceId: string, signed: SignedDocument): Promise<void> {
    await this.publishRaw('commands', deviceId, JSON.stringify(signed));
  }

  /** Publishes a signed desired config, retained, so a kiosk that is offline gets it when it connects. */
  async publishDesired(deviceId: string, signed: SignedDocument): Promise<void> {
    await this.publishRaw('shadow/desired', deviceId, JSON.stringify(signed));
  }

  /** Any bytes on one of a kiosk's down topics, with that topic's QoS and retain flag (tests send garbage this way). */
  async publishRaw(name: TopicName, deviceId: string, payload: string | Buffer): Promise<void> {
    const settings = topicSettings[name];
    await this.client.publishAsync(topicFor(name, deviceId), payload, { qos: settings.qos, retain: settings.retain });
  }

  /** Clears a retained desired config (an empty retained message). */
  async clearDesired(deviceId: string): Promise<void> {
    await this.client.publishAsync(topicFor('shadow/desired', deviceId), '', { qos: 1, retain: true });
  }

  /** The first result (already received or still to come) that matches, or a timeout error. */
  waitForResult(match: (result: CommandResult) => boolean, timeoutMs: number): Promise<CommandResult> {
    return this.waitFor('result', this.results, match, timeoutMs, 'a command result');
  }

  /** The first shadow report (already received or still to come) that matches. */
  waitForReported(match: (reported: ShadowReported) => boolean, timeoutMs: number): Promise<ShadowReported> {
    return this.waitFor('reported', this.reported, match, timeoutMs, 'a shadow report');
  }

  private waitFor<K extends keyof FleetClientEvents>(event: K, seen: Array<FleetClientEvents[K][0]>, match: (value: FleetClientEvents[K][0]) => boolean, timeoutMs: number, what: string): Promise<FleetClientEvents[K][0]> {
    const found = seen.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const listener = (value: FleetClientEvents[K][0]): void => {
        if (!match(value)) return;
        clearTimeout(timer);
        this.off(event, listener as never);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.off(event, listener as never);
        reject(new Error(`no matching ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      // The listener's type is the event's; EventEmitter's overloads cannot see that through K.
      this.on(event, listener as never);
    });
  }

  private onMessage(topic: string, payload: Buffer): void {
    const parsed = parseTopic(topic);
    if (!parsed) return;
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      this.invalid += 1;
      return;
    }
    if (parsed.name === 'command-results') {
      const result = CommandResult.safeParse(json);
      if (!result.success || result.data.deviceId !== parsed.deviceId) {
        this.invalid += 1;
        return;
      }
      this.results.push(result.data);
      this.emit('result', result.data);
    } else if (parsed.name === 'shadow/reported') {
      const reported = ShadowReported.safeParse(json);
      if (!reported.success || reported.data.deviceId !== parsed.deviceId) {
        this.invalid += 1;
        return;
      }
      this.reported.push(reported.data);
      this.emit('reported', reported.data);
    }
  }
}
