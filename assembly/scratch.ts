// Scratch memory of one wasm instance: what kernels keep between the loads and stores of a single
// call (a packed block of A, partial sums of a partial panel, staging for a vector's lanes). It is
// one block, addressed through the `scratch` global, so that instances sharing one memory (the
// threads builds: a worker's instance next to the main one) each work in their own block: the
// bindings give every worker instance a block of its own with use_thread_scratch. A single
// instance keeps the static block below.
//
// The layout, in bytes from `scratch` (16-byte aligned parts):
/** f32-gemm-4x8: A packed MC x KC floats at a time (MC = 64, KC = 256). */
export const SCRATCH_GEMM_APACK: usize = 0;
export const SCRATCH_GEMM_APACK_BYTES: i32 = 64 * 256 * 4;
/** f32-gemm-4x8: the partial sums of a partial last panel, MC rows of 8. */
export const SCRATCH_GEMM_PARTIAL: usize = 65536;
/** f32-gemm-4x8: one row's 8 output lanes of a partial panel. */
export const SCRATCH_GEMM_TAIL: usize = 67584;
/** f32-gemm-f64acc: a partial panel's 8 float64 sums. */
export const SCRATCH_F64ACC_TAIL: usize = 67616;
/** qd8-quantize: the input's minimum and maximum. */
export const SCRATCH_QD8_RANGE: usize = 67680;
/** qd8-f32-qc8w-gemm: the relaxed dot product's probe problem (648 bytes). */
export const SCRATCH_QD8_PROBE: usize = 67696;
/** qd8-f32-qc8w-gemm: one group's 4 integer sums. */
export const SCRATCH_QD8_LANES: usize = 68352;
/** x32-im2col-panels: a panel's 8 pixels' first input row and column (8 + 8 i32). */
export const SCRATCH_IM2COL_LANES: usize = 68368;
const SCRATCH_BYTES: i32 = 68432;

/** Start of this instance's scratch block. */
export let scratch: usize = memory.data(SCRATCH_BYTES, 16);

/** Bytes of scratch an instance needs (a worker's block, see use_thread_scratch). */
export function thread_scratch_size(): i32 {
  return SCRATCH_BYTES;
}

/**
 * Points this instance's kernels at a scratch block of thread_scratch_size() bytes (16-byte
 * aligned) owned by the bindings: called once on each worker's instance of a threads build,
 * before its first kernel call.
 */
export function use_thread_scratch(block: usize): void {
  scratch = block;
}
