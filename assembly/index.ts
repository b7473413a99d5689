// The kernel manifest: every export of the wasm builds. Exports take only pointers (byte
// offsets into linear memory) and sizes; the bindings own all memory. The same source compiles
// to three builds (asconfig.json): `simd`, `relaxed` (FMA via relaxed_madd) and `scalar`.
// Kernels come in named variants (`__scalar` is the reference every other variant is tested
// against); the unsuffixed name is the variant this build dispatches to.

/** First byte of linear memory free for the bindings' allocator. */
export function heap_base(): usize {
  return __heap_base;
}
