/**
 * Node's built-in modules (fs, path, ...) for code that runs in browsers and workers too, without
 * a static `import 'node:...'`, which browser bundlers would try to resolve.
 */

/**
 * The built-in module `name` ('fs', 'fs/promises', 'path'): process.getBuiltinModule (Node >=
 * 20.16, Deno, Bun), else on Node a dynamic import whose specifier is computed so that bundlers
 * leave it alone. Undefined where there is none (browsers, workers). The caller checks that what
 * it needs is there.
 */
export async function nodeBuiltin<T extends object>(name: string): Promise<Partial<T> | undefined> {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; versions?: { node?: string } } }).process;
  const builtin = proc?.getBuiltinModule?.(name) as Partial<T> | undefined;
  if (builtin) return builtin;
  if (!proc?.versions?.node) return undefined;
  const id = ['node', name].join(':');
  try {
    return (await import(/* @vite-ignore */ /* webpackIgnore: true */ id)) as Partial<T>;
  } catch {
    return undefined;
  }
}
