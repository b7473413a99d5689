/**
 * Node helper: loads a model from disk. A `model.json` path reads its weight shards from the
 * paths of its weightsManifest (relative to the model.json); a `.keras` or `.h5` path is read
 * with loadKerasModel. Uses node:fs through a runtime import, so bundles for browsers that never
 * call it do not pull it in.
 */
import { RnnError } from '../../base/errors.js';
import { nodeBuiltin } from '../../base/node-builtin.js';
import { loadKerasModel } from './files.js';
import { type KerasModel, type LoadLayersModelOptions, loadLayersModel } from './model.js';

type Fs = { readFile(path: string): Promise<Uint8Array> };
type PathMod = { dirname(p: string): string; resolve(...p: string[]): string };

async function nodeModules(): Promise<{ fs: Fs; path: PathMod }> {
  const [fs, path] = await Promise.all([nodeBuiltin<Fs>('fs/promises'), nodeBuiltin<PathMod>('path')]);
  if (typeof fs?.readFile !== 'function' || typeof path?.resolve !== 'function' || typeof path.dirname !== 'function') {
    throw new RnnError('UNSUPPORTED', 'loadLayersModelFile: needs Node (use loadLayersModel / loadKerasModel with the bytes elsewhere)');
  }
  return { fs: fs as Fs, path: path as PathMod };
}

/** Loads a model.json (with its shards), `.keras` or `.h5` file from a path. Node only. */
export async function loadLayersModelFile(file: string, options: LoadLayersModelOptions = {}): Promise<KerasModel> {
  if (typeof file !== 'string') throw new RnnError('INVALID_INPUT', 'loadLayersModelFile: expected a file path');
  const { fs, path } = await nodeModules();
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await fs.readFile(file));
  } catch (e) {
    throw new RnnError('INVALID_INPUT', `loadLayersModelFile: cannot read '${file}' (${(e as Error).message})`);
  }
  const head = bytes.subarray(0, 8);
  const isZip = head[0] === 0x50 && head[1] === 0x4b;
  const isH5 = head[0] === 0x89 && head[1] === 0x48 && head[2] === 0x44 && head[3] === 0x46;
  if (isZip || isH5) return loadKerasModel(bytes, options);
  const json = new TextDecoder().decode(bytes);
  let obj: { weightsManifest?: Array<{ paths?: unknown }> };
  try {
    obj = JSON.parse(json);
  } catch (e) {
    throw new RnnError('INVALID_FORMAT', `loadLayersModelFile: '${file}' is not JSON, a .keras archive or an HDF5 file (${(e as Error).message})`);
  }
  const dir = path.dirname(file);
  const shards: Uint8Array[] = [];
  for (const g of Array.isArray(obj?.weightsManifest) ? obj.weightsManifest : []) {
    for (const p of Array.isArray(g?.paths) ? g.paths : []) {
      if (typeof p !== 'string') continue;
      try {
        shards.push(new Uint8Array(await fs.readFile(path.resolve(dir, p))));
      } catch (e) {
        throw new RnnError('INVALID_INPUT', `loadLayersModelFile: cannot read weight shard '${p}' (${(e as Error).message})`);
      }
    }
  }
  return loadLayersModel(obj as object, shards, options);
}
