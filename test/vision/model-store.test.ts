import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/ops/errors.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import { readPointer } from '../../src/vision/model-store/active-pointer.js';
import { installName, modelIdOf, otaModelsRoot } from '../../src/vision/model-store/layout.js';
import { ModelStore } from '../../src/vision/model-store/model-store.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';

describe('ModelStore (OTA model directories and the active pointer)', () => {
  let dir: TempDir;
  let store: ModelStore;
  const factory = (): string => dir.file('factory');

  function install(name: string): string {
    const path = join(store.root, name);
    mkdirSync(path, { recursive: true });
    writeFileSync(join(path, 'manifest.json'), '{}');
    return path;
  }

  beforeEach(() => {
    dir = makeTempDir('kiosk-model-store-');
    store = new ModelStore({ root: otaModelsRoot(dir.file('data/kiosk.db')), factoryDir: factory(), logger: createSilentLogger(), now: () => new Date('2026-11-24T10:00:00Z') });
  });

  afterEach(() => dir.remove());

  it('lives beside the database, and names installs name@version with the version percent-encoded', () => {
    expect(store.root).toBe(dir.file('data/models'));
    expect(installName({ name: 'packaging-v2', version: '2.0.0' })).toBe('packaging-v2@2.0.0');
    expect(installName({ name: 'site-a', version: 'rc/1 beta' })).toBe('site-a@rc%2F1%20beta');
    expect(modelIdOf('site-a@rc%2F1%20beta')).toBe('site-a@rc/1 beta');
  });

  it('without a pointer (or with an unusable one) the classifier gets only the factory model', async () => {
    expect(await store.candidates()).toEqual([factory()]);
    store.ensureRoot();
    writeFileSync(join(store.root, 'active.json'), '{"schema":"kiosk.active-model/1","current":"../../etc"}');
    expect(await store.candidates()).toEqual([factory()]);
  });

  it('tries current, then previous, then the factory model; a missing install is skipped', async () => {
    install('m@2');
    install('m@1');
    store.activate('m@1', null, null);
    store.confirm();
    store.activate('m@2', 'm@1', 'cmd-1');
    expect(await store.candidates()).toEqual([join(store.root, 'm@2'), join(store.root, 'm@1'), factory()]);
    expect(store.nameOf(join(store.root, 'm@2'))).toBe('m@2');
    expect(store.nameOf(factory())).toBeNull();
    store.rollBack('m@3');
    expect(await store.candidates()).toEqual([factory()]);
  });

  it('writes the pointer atomically: whole JSON, no temp file left, trial set on activate and cleared on confirm', () => {
    install('m@2');
    const written = store.activate('m@2', null, 'cmd-7');
    expect(readdirSync(store.root).sort()).toEqual(['active.json', 'm@2']);
    const read = readPointer(store.root);
    expect(read).toEqual({ state: 'valid', pointer: written });
    expect(written).toMatchObject({ current: 'm@2', previous: null, trial: { uncleanStarts: 0, commandId: 'cmd-7' } });
    store.confirm();
    expect(store.pointer()?.trial).toBeNull();
    expect(JSON.parse(readFileSync(join(store.root, 'active.json'), 'utf8'))).toMatchObject({ current: 'm@2', trial: null });
  });

  it('rolls back a model on trial after more unclean starts than allowed; a clean stop does not count', async () => {
    install('m@1');
    install('m@2');
    store.activate('m@2', 'm@1', 'cmd-9');
    for (let start = 1; start <= 3; start += 1) {
      expect(await store.candidates()).toEqual([join(store.root, 'm@2'), join(store.root, 'm@1'), factory()]);
      expect(store.pointer()?.trial?.uncleanStarts).toBe(start);
    }
    store.noteCleanStop();
    expect(store.pointer()?.trial?.uncleanStarts).toBe(2);
    await store.candidates();
    expect(await store.candidates()).toEqual([join(store.root, 'm@1'), factory()]);
    const pointer = store.pointer();
    expect(pointer).toMatchObject({ current: 'm@1', previous: null, trial: null });
    expect(pointer?.unreported).toMatchObject({ model: 'm@2', restored: 'm@1', code: ErrorCode.OtaRolledBack, commandId: 'cmd-9' });
    store.clearUnreported();
    expect(store.pointer()?.unreported).toBeNull();
  });

  it('collects garbage: keeps current, previous and what is asked, removes other installs and interrupted deletes', () => {
    for (const name of ['m@1', 'm@2', 'm@3', 'm@4']) install(name);
    mkdirSync(join(store.root, '.trash-m@0-1-2'));
    mkdirSync(join(store.root, '.staging'));
    writeFileSync(join(store.root, 'README.txt'), 'not ours');
    store.activate('m@3', 'm@2', null);
    expect(store.collectGarbage(['m@4']).sort()).toEqual(['m@1']);
    expect(readdirSync(store.root).sort()).toEqual(['.staging', 'README.txt', 'active.json', 'm@2', 'm@3', 'm@4']);
    expect(store.collectGarbage()).toEqual(['m@4']);
    expect(existsSync(join(store.root, 'm@3'))).toBe(true);
  });

  it('refuses to remove the active install', () => {
    install('m@2');
    store.activate('m@2', null, null);
    expect(() => store.removeInstalled('m@2')).toThrow(/E435/);
  });
});
