// The typed kernel interface (bindings/kernels.ts) against what the builds export and what the
// AssemblyScript sources declare: an export added, removed or changed in assembly/ without the
// interface following (or the other way round) fails here.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { KERNEL_CONSTANTS, KERNELS_WITH_REFERENCES } from '../../bindings/kernels.js';
import { buildUrl, instantiate, type BuildName } from '../../bindings/wasm.js';
import { builds, referenceBuildUrl, runtimeFor } from '../helpers/kernels.js';

interface Signature {
  params: string[];
  returnsValue: boolean;
}

const root = new URL('../../', import.meta.url);

function parse(path: string): ts.SourceFile {
  return ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
}

/** The methods of an interface of bindings/kernels.ts (Kernels, TrainingKernels). */
function interfaceSignatures(name: string): Map<string, Signature> {
  const out = new Map<string, Signature>();
  const file = parse(new URL('bindings/kernels.ts', root).pathname);
  file.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node) || node.name.text !== name) return;
    for (const m of node.members) {
      if (!ts.isMethodSignature(m)) continue;
      out.set(m.name.getText(file), {
        params: m.parameters.map((p) => p.name.getText(file)),
        returnsValue: m.type?.kind !== ts.SyntaxKind.VoidKeyword,
      });
    }
  });
  return out;
}

/** Every exported function and numeric constant declared in assembly/ (index.ts re-exports them). */
function assemblyDeclarations(): { functions: Map<string, Signature>; constants: Map<string, number> } {
  const functions = new Map<string, Signature>();
  const constants = new Map<string, number>();
  const dir = new URL('assembly/', root).pathname;
  for (const rel of readdirSync(dir, { recursive: true }) as string[]) {
    if (!rel.endsWith('.ts')) continue;
    const file = parse(join(dir, rel));
    file.forEachChild((node) => {
      if (!(ts.isFunctionDeclaration(node) || ts.isVariableStatement(node))) return;
      if (!node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) return;
      if (ts.isFunctionDeclaration(node)) {
        if (!node.name) return;
        functions.set(node.name.text, {
          params: node.parameters.map((p) => p.name.getText(file)),
          returnsValue: node.type?.kind !== ts.SyntaxKind.VoidKeyword,
        });
        return;
      }
      for (const d of node.declarationList.declarations) {
        if (ts.isIdentifier(d.name) && d.initializer && ts.isNumericLiteral(d.initializer)) constants.set(d.name.text, Number(d.initializer.text));
      }
    });
  }
  return { functions, constants };
}

const inference = interfaceSignatures('Kernels');
const activations = interfaceSignatures('ActivationKernels');
// each reference has its kernel's signature (KernelReferences)
const references = new Map(KERNELS_WITH_REFERENCES.map((name) => [`${name}__scalar`, (inference.get(name) ?? activations.get(name))!]));
const trainingOnly = interfaceSignatures('TrainingKernels');
const declared = assemblyDeclarations();

// every build three times: the inference build a page loads (assembly/index.ts), its test build
// (references.ts: + the __scalar references and the activation kernels) and its training build
// (train.ts: + those and training)
const KINDS = {
  inference: { url: (b: BuildName) => buildUrl(b), interfaces: [inference], what: 'Kernels' },
  test: { url: referenceBuildUrl, interfaces: [inference, activations, references], what: 'Kernels, ActivationKernels and KernelReferences' },
  training: {
    url: (b: BuildName) => buildUrl(b, true),
    interfaces: [inference, activations, references, trainingOnly],
    what: 'Kernels, ActivationKernels, KernelReferences and TrainingKernels',
  },
} as const;
const kinds = builds.flatMap((build) => (Object.keys(KINDS) as (keyof typeof KINDS)[]).map((kind) => [build, kind] as const));

describe.each(kinds)('kernel exports [%s build, %s]', (build, kind) => {
  const module = new WebAssembly.Module(readFileSync(KINDS[kind].url(build)));
  const exported = WebAssembly.Module.exports(module);
  const functions = exported.filter((e) => e.kind === 'function').map((e) => e.name).sort();
  const typed = new Map(KINDS[kind].interfaces.flatMap((i) => [...i]));
  const training = kind === 'training';

  it(`exports exactly the functions of ${KINDS[kind].what}`, () => {
    expect(inference.size).toBeGreaterThanOrEqual(35);
    expect(references.size).toBeGreaterThanOrEqual(14);
    expect(trainingOnly.size).toBeGreaterThan(20);
    expect(functions).toEqual([...typed.keys()].sort());
  });

  it('every function has the parameters and result the interface says, as declared in assembly/', async () => {
    const rt = kind === 'inference' ? await instantiate({ build }) : await runtimeFor(build, training);
    const instance = { ...(rt.exports as unknown as Record<string, unknown>), ...(training ? (rt.training('test') as unknown as Record<string, unknown>) : {}) };
    for (const name of functions) {
      const sig = typed.get(name)!;
      expect(declared.functions.get(name), `${name} in assembly/`).toEqual(sig);
      expect((instance[name] as (...a: number[]) => unknown).length, `${name} arity`).toBe(sig.params.length);
    }
  });

  it('exports exactly the constants of KERNEL_CONSTANTS, as the values assembly/ declares', async () => {
    const globals = exported.filter((e) => e.kind === 'global').map((e) => e.name).sort();
    expect(globals).toEqual([...KERNEL_CONSTANTS].sort());
    const rt = kind === 'inference' ? await instantiate({ build }) : await runtimeFor(build, training);
    for (const name of KERNEL_CONSTANTS) expect(rt.constants[name], name).toBe(declared.constants.get(name));
  });
});
