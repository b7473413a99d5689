/**
 * The model bytes InferenceSession.create is given: bytes as they are, a URL fetched, and in Node
 * (also Deno, Bun) a file path or file: URL read from disk, as onnxruntime-node does. Node's fs is
 * reached at run time only, so browser bundles never resolve it.
 */
import { RnnError } from '../../base/errors.js';
import { nodeBuiltin } from '../../base/node-builtin.js';

type ReadFile = (path: string | URL) => Promise<Uint8Array>;

/** Node's fs.promises.readFile, or undefined where there is no fs (browsers, workers). */
async function nodeReadFile(): Promise<ReadFile | undefined> {
  const fs = await nodeBuiltin<{ readFile: ReadFile }>('fs/promises');
  return typeof fs?.readFile === 'function' ? fs.readFile : undefined;
}

const FETCHED = /^(https?|blob|data):/i;

/** Reads a model from a URL (fetch) or, where Node's fs exists, a path or file: URL. */
export async function readModelSource(source: string): Promise<Uint8Array> {
  const readFile = FETCHED.test(source) ? undefined : await nodeReadFile();
  if (readFile) {
    try {
      return new Uint8Array(await readFile(/^file:/i.test(source) ? new URL(source) : source));
    } catch (e) {
      throw new RnnError('INVALID_INPUT', `InferenceSession.create: cannot read the model file '${source}' (${(e as Error).message})`);
    }
  }
  let response: Response;
  try {
    response = await fetch(source);
  } catch (e) {
    throw new RnnError('INVALID_INPUT', `InferenceSession.create: cannot fetch the model from '${source}' (${(e as Error).message})`);
  }
  if (!response.ok) throw new RnnError('INVALID_INPUT', `InferenceSession.create: fetching the model from '${source}' answered HTTP ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}
