/**
 * The real camera driver: a long-running child process that writes MJPEG to
 * stdout (rpicam-vid, ffmpeg, or the camera simulator).
 *
 *   child stdout ──bytes──► MjpegSplitter ──frames (+ stream offset)──► latest frame, waiting grab()s
 *   child exit / spawn error / stall ──► fault ──backoff──► respawn ──first frame──► recovered
 *
 * "Never stale": grab() notes how many bytes have arrived when it is called
 * and resolves with the first frame whose SOI lies at or after that offset,
 * i.e. a frame that started arriving after the call (not one already
 * buffered, nor one half received).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Writable } from 'node:stream';
import { Backoff, type BackoffSettings } from '../../ops/backoff.js';
import type { Clock } from '../../ops/clock.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';
import type { Logger } from '../../ops/logger.js';
import { HealthTracker } from '../device-health.js';
import type { DeviceHealth } from '../device.js';
import { LineFramer } from '../serial/line-framer.js';
import type { Camera, CameraEvents, Frame } from './camera.js';
import { LogRateLimiter } from './log-rate-limiter.js';
import { MjpegSplitter, type DiscardedRange } from './mjpeg-splitter.js';

export interface CaptureSettings {
  grabTimeoutMs: number;
  maxFrameBytes: number;
  stallTimeoutMs: number;
  stopGraceMs: number;
  reconnect: BackoffSettings;
}

export interface MjpegProcessCameraOptions {
  /** argv of the child: [file, ...args]; no shell. */
  command: readonly string[];
  settings: CaptureSettings;
  clock: Clock;
  logger: Logger;
  /**
   * Called each time a child has started, with its stdin: the simulator's
   * control channel. Without it the child's stdin is /dev/null.
   */
  onSpawn?: (stdin: Writable) => void;
  /** The restart backoff's jitter source, uniform in [0, 1); Math.random unless a test needs fixed delays. */
  random?: () => number;
}

export interface CameraStats {
  bytesReceived: number;
  frames: number;
  discardedBytes: number;
  discardedRanges: number;
  restarts: number;
}

interface Waiter {
  /** Stream offset when grab() was called. */
  trigger: number;
  resolve: (frame: Frame) => void;
  reject: (error: KioskError) => void;
  timer: NodeJS.Timeout;
}

interface RunningChild {
  process: ChildProcess;
  /** Resolves once the process has exited and its stdio is closed (or it never started). */
  closed: Promise<void>;
  gone: boolean;
  spawnFailed?: boolean;
  /** Killed by the stall watchdog. */
  stalled?: boolean;
  lastStderr?: string;
}

const STDERR_LINE_BYTES = 512;

export class MjpegProcessCamera extends EventEmitter<CameraEvents> implements Camera {
  // HealthTracker is typed for an emitter of the lifecycle events only; ours emits those and more.
  private readonly tracker = new HealthTracker(this);
  private readonly splitter: MjpegSplitter;
  private readonly backoff: Backoff;
  private readonly waiters = new Set<Waiter>();
  private readonly logLimiter: LogRateLimiter;
  private readonly counters: CameraStats = { bytesReceived: 0, frames: 0, discardedBytes: 0, discardedRanges: 0, restarts: 0 };
  private child: RunningChild | undefined;
  private started = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private latest: Frame | undefined;
  /** The frame being received: where it starts in the stream and when its first byte came. */
  private inProgress: { offset: number; uptimeMs: number } | undefined;

  constructor(private readonly options: MjpegProcessCameraOptions) {
    super();
    if (options.command.length === 0) throw new KioskError(ErrorCode.HardwareUnsupported, 'camera command is empty');
    this.splitter = new MjpegSplitter({ maxFrameBytes: options.settings.maxFrameBytes });
    this.backoff = new Backoff(options.settings.reconnect, options.random);
    this.logLimiter = new LogRateLimiter(20, 10_000, () => options.clock.uptimeMs());
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.tracker.running();
    this.spawnChild();
  }

  /** SIGTERM to the child's process group, SIGKILL after stopGraceMs; resolves once it has exited. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    clearTimeout(this.restartTimer);
    clearTimeout(this.stallTimer);
    for (const waiter of this.waiters) this.settle(waiter, new KioskError(ErrorCode.HardwareFault, 'camera stopped'));
    const child = this.child;
    if (child && !child.gone) {
      signalGroup(child.process, 'SIGTERM');
      const kill = setTimeout(() => signalGroup(child.process, 'SIGKILL'), this.options.settings.stopGraceMs);
      await child.closed;
      clearTimeout(kill);
    }
    this.child = undefined;
    this.tracker.stopped();
  }

  health(): DeviceHealth {
    return this.tracker.health();
  }

  grab(): Promise<Frame> {
    if (!this.started) return Promise.reject(new KioskError(ErrorCode.HardwareFault, 'camera is not started'));
    const { grabTimeoutMs } = this.options.settings;
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        trigger: this.splitter.bytesReceived,
        resolve,
        reject,
        timer: setTimeout(() => {
          const health = this.tracker.health();
          this.settle(waiter, new KioskError(ErrorCode.HardwareTimeout, `no camera frame within ${grabTimeoutMs} ms (camera ${health.state})`, { grabTimeoutMs, ...health }));
        }, grabTimeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** The most recent whole frame, however old; grab() is the way to get a fresh one. */
  latestFrame(): Frame | undefined {
    return this.latest;
  }

  stats(): CameraStats {
    return { ...this.counters, bytesReceived: this.splitter.bytesReceived };
  }

  /** Pid of the running child, if any (for diagnostics and tests). */
  get pid(): number | undefined {
    return this.child && !this.child.gone ? this.child.process.pid : undefined;
  }

  private spawnChild(): void {
    const [file, ...args] = this.options.command as [string, ...string[]];
    let proc: ChildProcess;
    try {
      // Its own process group, so stop() also ends whatever the command starts (a shell pipeline, a wrapper script).
      proc = spawn(file, args, { stdio: [this.options.onSpawn ? 'pipe' : 'ignore', 'pipe', 'pipe'], detached: true });
    } catch (error) {
      this.onGone(undefined, `cannot start camera command "${file}": ${String(error)}`, { reason: 'spawn-failed' });
      return;
    }
    let onClosed!: () => void;
    const child: RunningChild = { process: proc, closed: new Promise((resolve) => (onClosed = resolve)), gone: false };
    this.child = child;
    const stderrLines = new LineFramer({ delimiters: [Buffer.from('\r'), Buffer.from('\n')], maxLength: STDERR_LINE_BYTES });

    proc.once('spawn', () => {
      this.options.logger.info({ pid: proc.pid, command: this.options.command }, 'camera process started');
      this.armStallTimer(child);
      if (proc.stdin) this.options.onSpawn?.(proc.stdin);
    });
    proc.stdout?.on('data', (chunk: Buffer) => this.onData(child, chunk));
    proc.stderr?.on('data', (chunk: Buffer) => {
      for (const line of stderrLines.push(chunk).lines) this.onStderrLine(child, line.toString('utf8').trim());
    });
    // The child's stdin breaks (EPIPE) when it dies; its exit is handled below, so this is not news.
    proc.stdin?.on('error', (error) => this.options.logger.debug({ err: error }, 'camera process stdin closed'));
    proc.on('error', (error) => {
      if (proc.pid === undefined) {
        child.spawnFailed = true;
        this.onGone(child, `cannot start camera command "${file}": ${error.message}`, { reason: 'spawn-failed', errno: (error as NodeJS.ErrnoException).code });
        onClosed();
      } else {
        this.options.logger.warn({ err: error, pid: proc.pid }, 'camera process signal failed');
      }
    });
    // A wrapper that exited may leave its pipeline running: end the whole group.
    proc.on('exit', () => signalGroup(proc, 'SIGKILL'));
    proc.on('close', (code, signal) => {
      if (!child.spawnFailed) {
        const how = child.stalled ? `wrote no frame for ${this.options.settings.stallTimeoutMs} ms` : signal ? `was killed by ${signal}` : `exited with code ${code}`;
        this.onGone(child, `camera process ${how}`, { reason: child.stalled ? 'stalled' : 'exited', code, signal });
      }
      onClosed();
    });
  }

  private onData(child: RunningChild, chunk: Buffer): void {
    // What a stopping child still writes is of no use to anyone.
    if (this.child !== child || !this.started) return;
    const now = this.options.clock.uptimeMs();
    const { frames, discarded } = this.splitter.push(chunk);
    for (const { jpeg, offset } of frames) {
      const uptimeMs = this.inProgress?.offset === offset ? this.inProgress.uptimeMs : now;
      this.deliver({ jpeg, uptimeMs }, offset, child);
    }
    this.logDiscarded(discarded);
    const started = this.splitter.frameInProgressOffset;
    if (started === undefined) this.inProgress = undefined;
    else if (this.inProgress?.offset !== started) this.inProgress = { offset: started, uptimeMs: now };
  }

  private deliver(frame: Frame, offset: number, child: RunningChild): void {
    this.latest = frame;
    this.counters.frames += 1;
    // A child that delivers frames is healthy: the next failure starts its backoff afresh.
    this.backoff.reset();
    this.armStallTimer(child);
    this.tracker.running();
    this.emit('frame', frame);
    for (const waiter of this.waiters) {
      if (offset >= waiter.trigger) this.settle(waiter, frame);
    }
  }

  private settle(waiter: Waiter, outcome: Frame | KioskError): void {
    clearTimeout(waiter.timer);
    this.waiters.delete(waiter);
    if (outcome instanceof KioskError) waiter.reject(outcome);
    else waiter.resolve(outcome);
  }

  /** The child is gone (or never came): fault once, and respawn after the backoff delay. */
  private onGone(child: RunningChild | undefined, what: string, context: Record<string, unknown> = {}): void {
    if (child) {
      if (child.gone) return;
      child.gone = true;
    }
    clearTimeout(this.stallTimer);
    this.logDiscarded(this.splitter.flush().discarded);
    this.inProgress = undefined;
    if (!this.started || (child && this.child !== child)) return;
    const stderr = child?.lastStderr;
    const error = new KioskError(ErrorCode.HardwareFault, stderr ? `${what}: ${stderr}` : what, {
      command: this.options.command[0],
      ...context,
      ...(stderr ? { stderr } : {}),
    });
    const delayMs = this.backoff.next();
    this.counters.restarts += 1;
    this.options.logger.warn({ err: error, delayMs }, 'camera process gone; restarting');
    this.tracker.faulted(error);
    this.restartTimer = setTimeout(() => {
      if (this.started) this.spawnChild();
    }, delayMs);
  }

  private armStallTimer(child: RunningChild): void {
    clearTimeout(this.stallTimer);
    const { stallTimeoutMs } = this.options.settings;
    this.stallTimer = setTimeout(() => {
      if (this.child !== child || child.gone) return;
      this.options.logger.warn({ stallTimeoutMs, pid: child.process.pid }, 'camera process wrote no frame; killing it');
      child.stalled = true;
      signalGroup(child.process, 'SIGKILL');
    }, stallTimeoutMs);
  }

  private onStderrLine(child: RunningChild, line: string): void {
    if (line.length === 0) return;
    child.lastStderr = line;
    const suppressed = this.logLimiter.take();
    if (suppressed !== undefined) this.options.logger.debug({ line, suppressed, pid: child.process.pid }, 'camera process stderr');
  }

  private logDiscarded(ranges: readonly DiscardedRange[]): void {
    for (const range of ranges) {
      this.counters.discardedBytes += range.length;
      this.counters.discardedRanges += 1;
      const suppressed = this.logLimiter.take();
      if (suppressed === undefined) continue;
      const entry = { reason: range.reason, offset: range.offset, bytes: range.length, head: range.head.toString('hex'), suppressed };
      if (range.reason === 'oversize') this.options.logger.warn(entry, 'camera frame discarded');
      else this.options.logger.debug(entry, 'camera bytes discarded');
    }
  }
}

/** Signals the child's whole process group (it was spawned detached, as its leader); a group already gone is fine. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: nothing left in the group.
  }
}
