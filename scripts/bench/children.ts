/** Child processes a sync benchmark runs against: mosquitto, the latency proxy, the reference ingest. */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface Child {
  port: number;
  /** The process doing the work, for CPU accounting. */
  pid: number;
  stop(): Promise<void>;
}

/** CPU seconds (user + system) a process has used so far, from /proc; 0 when it cannot be read. */
export function cpuSeconds(pid: number): number {
  try {
    // Fields after the ")" that closes the command name: state is the 1st, utime the 12th, stime the 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** USER_HZ, which Linux fixes at 100 on every architecture it exports to user space. */
const CLOCK_TICKS = 100;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Waits for the first stdout line the child prints that parses as JSON with `key`. */
function firstJsonLine(child: ChildProcess, key: string, what: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`${what} did not start`)), 20_000);
    lines.on('line', (line) => {
      try {
        const value = JSON.parse(line) as Record<string, unknown>;
        if (key in value) {
          clearTimeout(timer);
          resolve(value);
        }
      } catch {
        // not a JSON line
      }
    });
    child.once('exit', (code) => reject(new Error(`${what} exited with ${String(code)}`)));
  });
}

async function listening(port: number): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host: '127.0.0.1' }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface MosquittoChild extends Child {
  /** Stops the broker and starts it again on the same port (a fleet-wide outage). */
  restart(downMs: number): Promise<void>;
}

/** mosquitto as deployed: its default Nagle setting (set_tcp_nodelay false) or with set_tcp_nodelay true. */
export async function startMosquitto(tcpNoDelay: boolean, options: { persistence?: boolean } = {}): Promise<MosquittoChild> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-mosquitto-'));
  // mosquitto drops root for its own user, which must write its persistence file here.
  chmodSync(dir, 0o777);
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(
    config,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      `persistence ${options.persistence ? 'true' : 'false'}`,
      `persistence_location ${dir}/`,
      `set_tcp_nodelay ${tcpNoDelay ? 'true' : 'false'}`,
      // The ingest may fall behind for a moment; a queue this deep keeps the broker from dropping (the protocol would recover, slower).
      'max_queued_messages 100000',
      'log_type error',
      '',
    ].join('\n'),
  );
  const launch = (): ChildProcess => spawn('/usr/sbin/mosquitto', ['-c', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  let child = launch();
  await listening(port);
  return {
    port,
    get pid() {
      return child.pid ?? 0;
    },
    restart: async (downMs) => {
      await stopChild(child);
      await new Promise((resolve) => setTimeout(resolve, downMs));
      child = launch();
      await listening(port);
    },
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const tsx = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');

/**
 * The ingest's V8 setting, the same as package.json's `ingest` script: JSON.parse of every event makes ~100,000
 * short-lived objects per 100,000 events; a 64 MiB semi-space lets most die young (about a fifth less CPU, measured
 * with bench:sync) instead of being copied out of a 16 MiB one.
 */
const INGEST_NODE_OPTIONS = '--max-semi-space-size=64';

export async function startLatencyProxy(targetPort: number, delayMs: number): Promise<Child> {
  const child = spawn(tsx, [join(import.meta.dirname, 'latency-proxy.ts'), '--target', `127.0.0.1:${targetPort}`, '--delay-ms', String(delayMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const { port } = await firstJsonLine(child, 'port', 'latency proxy');
  return { port: Number(port), pid: child.pid ?? 0, stop: () => stopChild(child) };
}

export async function startIngest(url: string, storePath: string): Promise<{ pid: number; stop(): Promise<void> }> {
  const script = [join(import.meta.dirname, '..', 'ingest.ts'), '--url', url, '--store', storePath, '--consumers', '2', '--report-ms', '0', '--client-id-prefix', `bench-${process.pid}`];
  // BENCH_INGEST_PROFILE_DIR=dir writes a V8 CPU profile of the ingest there when it stops (Node refuses --cpu-prof in NODE_OPTIONS).
  const profileDir = process.env['BENCH_INGEST_PROFILE_DIR'];
  // As `npm run ingest` runs it: a young generation sized for a consumer that parses every event it stores (INGEST_NODE_OPTIONS).
  const child = profileDir
    ? spawn(process.execPath, [INGEST_NODE_OPTIONS, '--cpu-prof', '--cpu-prof-dir', profileDir, '--import', 'tsx', ...script], { stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn(tsx, script, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} ${INGEST_NODE_OPTIONS}`.trim() } });
  const { pid } = await firstJsonLine(child, 'ready', 'ingest');
  return { pid: Number(pid), stop: () => stopChild(child) };
}
