import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread from a module of this project, given its URL as the
 * caller computes it (`new URL('./x.js', import.meta.url)`). Compiled code runs
 * the .js file beside the caller; run from TypeScript sources (tsx, vitest),
 * the .ts file is loaded through tsx's loader, which a worker does not inherit.
 */
export function startModuleWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  const source = new URL(moduleUrl);
  if (import.meta.url.endsWith('.ts')) {
    source.pathname = source.pathname.replace(/\.js$/, '.ts');
    // Resolved here, where tsx is reachable, not from the eval'd code (which resolves against the working directory).
    const tsxApi = import.meta.resolve('tsx/esm/api');
    const bootstrap = `import { register } from ${JSON.stringify(tsxApi)}; register(); await import(${JSON.stringify(source.href)});`;
    // `type` is honoured by Node for eval'd code but missing from @types/node's WorkerOptions.
    return new Worker(bootstrap, { ...options, eval: true, type: 'module' } as WorkerOptions);
  }
  return new Worker(source, options);
}
