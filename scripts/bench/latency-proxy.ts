/**
 * A TCP proxy that delays every chunk by --delay-ms in each direction (a
 * kiosk on LTE), keeping byte order; bandwidth is not limited. Prints
 * {"port":N} once listening. Benchmarks only.
 *   tsx scripts/bench/latency-proxy.ts --target 127.0.0.1:1883 --delay-ms 50
 */
import { createServer, connect, type Socket } from 'node:net';
import { Command } from 'commander';

const options = new Command()
  .option('--target <host:port>', 'where to forward')
  .option('--delay-ms <ms>', 'one-way delay', (value) => Number.parseInt(value, 10), 50)
  .option('--port <port>', 'listen port (0: any free one)', (value) => Number.parseInt(value, 10), 0)
  .parse()
  .opts<{ target: string; delayMs: number; port: number }>();

const [host = '127.0.0.1', portText = '1883'] = options.target.split(':');

/** Forwards from → to, each chunk `delayMs` later; timers of equal delay fire in order, so bytes stay in order. */
function pipeDelayed(from: Socket, to: Socket): void {
  from.on('data', (chunk: Buffer) => {
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, options.delayMs);
  });
  from.on('end', () => setTimeout(() => to.end(), options.delayMs));
  from.on('error', () => to.destroy());
}

const server = createServer((client) => {
  client.setNoDelay(true);
  const upstream = connect({ host, port: Number(portText) }, () => upstream.setNoDelay(true));
  pipeDelayed(client, upstream);
  pipeDelayed(upstream, client);
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
});
server.listen(options.port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
