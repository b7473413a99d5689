#!/usr/bin/env node
/**
 * Copies the allowlisted ONNX backend node test cases for the non-recurrent operators from
 * Debian's libonnx-testdata (ONNX 1.12, Apache-2.0) into test/fixtures/onnx/node-ops/, and writes
 * cases.json: per case the operator it is listed under and whether its opset import was raised
 * to 7 (the oldest opset loadOnnx accepts; done only where the operator is unchanged between
 * the two versions). Every test_<op>* case of an implemented operator is either in ALLOW or in
 * EXCLUDED with the reason. Run: node tools/copy-onnx-node-tests.mjs [source dir]
 */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SRC = process.argv[2] ?? '/usr/share/libonnx-testdata/data/node';
const DST = new URL('../test/fixtures/onnx/node-ops/', import.meta.url).pathname;
/** Cases larger than this (bytes, model + data) are left out to keep the repository lean. */
const MAX_BYTES = 100_000;

const suffixes = (prefix, ...names) => names.map((n) => (n === '' ? prefix : `${prefix}_${n}`));
const bcastLogic = (op) => suffixes(`test_${op}`, '2d', '3d', '4d', 'bcast3v1d', 'bcast3v2d', 'bcast4v2d', 'bcast4v3d', 'bcast4v4d').map((n) => n.replace(`${op}_2d`, `${op}2d`).replace(`${op}_3d`, `${op}3d`).replace(`${op}_4d`, `${op}4d`));
const reduceCases = (op, keepName = 'keepdims') => suffixes(`test_reduce_${op}`,
  'default_axes_keepdims_example', 'default_axes_keepdims_random', 'do_not_keepdims_example', 'do_not_keepdims_random',
  `${keepName}_example`, `${keepName}_random`, `negative_axes_${keepName}_example`, `negative_axes_${keepName}_random`);
const argCases = (op) => ['default_axis_example', 'default_axis_random', 'keepdims_example', 'keepdims_random', 'negative_axis_keepdims_example', 'negative_axis_keepdims_random', 'no_keepdims_example', 'no_keepdims_random']
  .flatMap((s) => [`test_${op}_${s}`, `test_${op}_${s}_select_last_index`]);
const minMax = (op) => suffixes(`test_${op}`, 'example', 'one_input', 'two_inputs', 'float32', 'float64', 'float16', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64');
const layerNorm = ['2d_axis0', '2d_axis1', '2d_axis_negative_1', '2d_axis_negative_2', '3d_axis0_epsilon', '3d_axis1_epsilon', '3d_axis2_epsilon',
  '3d_axis_negative_1_epsilon', '3d_axis_negative_2_epsilon', '3d_axis_negative_3_epsilon', '4d_axis0', '4d_axis1', '4d_axis2', '4d_axis3',
  '4d_axis_negative_1', '4d_axis_negative_2', '4d_axis_negative_3', '4d_axis_negative_4', 'default_axis'].map((s) => `test_layer_normalization_${s}`);
const pools = (op) => suffixes(`test_${op}`, '1d_default', '2d_ceil', '2d_default', '2d_pads', '2d_precomputed_pads', '2d_precomputed_same_upper',
  '2d_precomputed_strides', '2d_same_lower', '2d_same_upper', '2d_strides');

/** Operator -> the cases that exercise it (an `_expanded` case runs the operator's function body). */
const ALLOW = {
  If: ['test_if'],
  // inference (opset 11's ratio attribute in the _old ones), and training mode with ratio 0 (the identity)
  Dropout: ['test_dropout_default', 'test_dropout_default_ratio', 'test_dropout_default_mask', 'test_dropout_default_mask_ratio',
    'test_dropout_default_old', 'test_dropout_random_old', 'test_training_dropout_zero_ratio', 'test_training_dropout_zero_ratio_mask'],
  Loop: ['test_loop11'],
  Resize: [
    'test_resize_downsample_scales_cubic', 'test_resize_downsample_scales_cubic_A_n0p5_exclude_outside', 'test_resize_downsample_scales_cubic_align_corners',
    'test_resize_downsample_scales_linear', 'test_resize_downsample_scales_linear_align_corners', 'test_resize_downsample_scales_nearest',
    'test_resize_downsample_sizes_cubic', 'test_resize_downsample_sizes_linear_pytorch_half_pixel', 'test_resize_downsample_sizes_nearest',
    'test_resize_downsample_sizes_nearest_tf_half_pixel_for_nn', 'test_resize_tf_crop_and_resize', 'test_resize_upsample_scales_cubic',
    'test_resize_upsample_scales_cubic_A_n0p5_exclude_outside', 'test_resize_upsample_scales_cubic_align_corners', 'test_resize_upsample_scales_cubic_asymmetric',
    'test_resize_upsample_scales_linear', 'test_resize_upsample_scales_linear_align_corners', 'test_resize_upsample_scales_nearest',
    'test_resize_upsample_sizes_cubic', 'test_resize_upsample_sizes_nearest', 'test_resize_upsample_sizes_nearest_ceil_half_pixel',
    'test_resize_upsample_sizes_nearest_floor_align_corners', 'test_resize_upsample_sizes_nearest_round_prefer_ceil_asymmetric',
  ],
  Upsample: ['test_upsample_nearest'],
  QuantizeLinear: ['test_quantizelinear', 'test_quantizelinear_axis'],
  DequantizeLinear: ['test_dequantizelinear', 'test_dequantizelinear_axis'],
  // the _expanded ones run the function body (ReduceMin, ReduceMax, Min, Max, Sub, Div, Clip, Round, Cast, QuantizeLinear)
  DynamicQuantizeLinear: ['test_dynamicquantizelinear', 'test_dynamicquantizelinear_max_adjusted', 'test_dynamicquantizelinear_min_adjusted',
    'test_dynamicquantizelinear_expanded', 'test_dynamicquantizelinear_max_adjusted_expanded', 'test_dynamicquantizelinear_min_adjusted_expanded'],
  MatMulInteger: ['test_matmulinteger'],
  ConvInteger: ['test_basic_convinteger', 'test_convinteger_with_padding', 'test_convinteger_without_padding'],
  QLinearMatMul: ['test_qlinearmatmul_2D', 'test_qlinearmatmul_3D'],
  QLinearConv: ['test_qlinearconv'],
  ...Object.fromEntries(['Hann', 'Hamming', 'Blackman'].map((w) => [`${w}Window`, ['', '_symmetric', '_expanded', '_symmetric_expanded'].map((v) => `test_${w.toLowerCase()}window${v}`)])),
  DFT: ['test_dft', 'test_dft_axis', 'test_dft_inverse'],
  STFT: ['test_stft', 'test_stft_with_window'],
  MelWeightMatrix: ['test_melweightmatrix'],
  GatherElements: ['test_gather_elements_0', 'test_gather_elements_1', 'test_gather_elements_negative_indices'],
  GatherND: ['test_gathernd_example_float32', 'test_gathernd_example_int32', 'test_gathernd_example_int32_batch_dim1'],
  ScatterElements: ['test_scatter_elements_with_axis', 'test_scatter_elements_with_duplicate_indices', 'test_scatter_elements_with_negative_indices', 'test_scatter_elements_without_axis'],
  Scatter: ['test_scatter_with_axis', 'test_scatter_without_axis'],
  ScatterND: ['test_scatternd', 'test_scatternd_add', 'test_scatternd_multiply'],
  NonZero: ['test_nonzero_example'],
  OneHot: ['test_onehot_negative_indices', 'test_onehot_with_axis', 'test_onehot_with_negative_axis', 'test_onehot_without_axis'],
  Trilu: [
    'test_tril', 'test_tril_neg', 'test_tril_one_row_neg', 'test_tril_out_neg', 'test_tril_out_pos', 'test_tril_pos', 'test_tril_square', 'test_tril_square_neg', 'test_tril_zero',
    'test_triu', 'test_triu_neg', 'test_triu_one_row', 'test_triu_out_neg_out', 'test_triu_out_pos', 'test_triu_pos', 'test_triu_square', 'test_triu_square_neg', 'test_triu_zero',
  ],
  Compress: ['test_compress_0', 'test_compress_1', 'test_compress_default_axis', 'test_compress_negative_axis'],
  EyeLike: ['test_eyelike_populate_off_main_diagonal', 'test_eyelike_with_dtype', 'test_eyelike_without_dtype'],
  ReverseSequence: ['test_reversesequence_batch', 'test_reversesequence_time'],
  // as Cast's: double and float16 values are held as float32, so these are exact
  CastLike: [
    'test_castlike_DOUBLE_to_FLOAT', 'test_castlike_DOUBLE_to_FLOAT_expanded', 'test_castlike_FLOAT_to_DOUBLE', 'test_castlike_FLOAT_to_DOUBLE_expanded',
    'test_castlike_FLOAT16_to_FLOAT', 'test_castlike_FLOAT16_to_FLOAT_expanded', 'test_castlike_FLOAT16_to_DOUBLE', 'test_castlike_FLOAT16_to_DOUBLE_expanded',
  ],
  OptionalHasElement: ['test_optional_has_element', 'test_optional_has_element_empty'],
  OptionalGetElement: ['test_optional_get_element'],
  Scan: ['test_scan_sum', 'test_scan9_sum'],
  MatMul: ['test_matmul_2d', 'test_matmul_3d', 'test_matmul_4d'],
  Gemm: suffixes('test_gemm', 'all_attributes', 'alpha', 'beta', 'default_matrix_bias', 'default_no_bias', 'default_scalar_bias',
    'default_single_elem_vector_bias', 'default_vector_bias', 'default_zero_bias', 'transposeA', 'transposeB'),
  Equal: ['test_equal', 'test_equal_bcast'],
  Not: ['test_not_2d', 'test_not_3d', 'test_not_4d'],
  Size: ['test_size', 'test_size_example'],
  Shape: suffixes('test_shape', '', 'clip_end', 'clip_start', 'end_1', 'end_negative_1', 'example', 'start_1', 'start_1_end_2', 'start_1_end_negative_1', 'start_negative_1'),
  Pad: ['test_constant_pad', 'test_edge_pad', 'test_reflect_pad'],
  Pow: suffixes('test_pow', '', 'bcast_array', 'bcast_scalar', 'example', 'types_float', 'types_float32_int32', 'types_float32_int64', 'types_float32_uint32',
    'types_float32_uint64', 'types_int', 'types_int32_float32', 'types_int32_int32', 'types_int64_float32', 'types_int64_int64'),
  Relu: ['test_relu'],
  Tanh: ['test_tanh', 'test_tanh_example'],
  Sigmoid: ['test_sigmoid', 'test_sigmoid_example'],
  Sqrt: ['test_sqrt', 'test_sqrt_example'],
  Log: ['test_log', 'test_log_example'],
  Neg: ['test_neg', 'test_neg_example'],
  Exp: ['test_exp', 'test_exp_example'],
  Abs: ['test_abs'],
  Floor: ['test_floor', 'test_floor_example'],
  Ceil: ['test_ceil', 'test_ceil_example'],
  Reciprocal: ['test_reciprocal', 'test_reciprocal_example'],
  Round: ['test_round'],
  Erf: ['test_erf'],
  ...Object.fromEntries(['Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh'].map((op) => [op, [`test_${op.toLowerCase()}`, `test_${op.toLowerCase()}_example`]])),
  IsNaN: ['test_isnan'],
  IsInf: ['test_isinf', 'test_isinf_negative', 'test_isinf_positive'],
  Shrink: ['test_shrink_hard', 'test_shrink_soft'],
  DepthToSpace: ['test_depthtospace_crd_mode', 'test_depthtospace_crd_mode_example', 'test_depthtospace_dcr_mode', 'test_depthtospace_example'],
  SpaceToDepth: ['test_spacetodepth', 'test_spacetodepth_example'],
  LRN: ['test_lrn', 'test_lrn_default'],
  MeanVarianceNormalization: ['test_mvn'],
  Sign: ['test_sign'],
  Softplus: ['test_softplus', 'test_softplus_example'],
  Softsign: ['test_softsign', 'test_softsign_example'],
  LeakyRelu: ['test_leakyrelu', 'test_leakyrelu_default', 'test_leakyrelu_example'],
  Elu: ['test_elu', 'test_elu_default', 'test_elu_example'],
  Celu: ['test_celu', 'test_celu_expanded'],
  Selu: ['test_selu', 'test_selu_default', 'test_selu_example'],
  HardSigmoid: ['test_hardsigmoid', 'test_hardsigmoid_default', 'test_hardsigmoid_example'],
  HardSwish: ['test_hardswish', 'test_hardswish_expanded'],
  ThresholdedRelu: ['test_thresholdedrelu', 'test_thresholdedrelu_default', 'test_thresholdedrelu_example'],
  PRelu: ['test_prelu_broadcast', 'test_prelu_example'],
  Add: ['test_add', 'test_add_bcast', 'test_add_uint8'],
  Sub: ['test_sub', 'test_sub_bcast', 'test_sub_example', 'test_sub_uint8'],
  Mul: ['test_mul', 'test_mul_bcast', 'test_mul_example', 'test_mul_uint8'],
  Div: ['test_div', 'test_div_bcast', 'test_div_example', 'test_div_uint8'],
  Min: minMax('min'),
  Max: minMax('max'),
  Sum: suffixes('test_sum', 'example', 'one_input', 'two_inputs'),
  Mean: suffixes('test_mean', 'example', 'one_input', 'two_inputs'),
  Clip: suffixes('test_clip', '', 'default_inbounds', 'default_int8_inbounds', 'default_int8_max', 'default_int8_min', 'default_max', 'default_min',
    'example', 'inbounds', 'outbounds', 'splitbounds'),
  Where: ['test_where_example', 'test_where_long_example'],
  Less: ['test_less', 'test_less_bcast'],
  Greater: ['test_greater', 'test_greater_bcast'],
  LessOrEqual: suffixes('test_less_equal', '', 'bcast', 'expanded', 'bcast_expanded'),
  GreaterOrEqual: suffixes('test_greater_equal', '', 'bcast', 'expanded', 'bcast_expanded'),
  And: bcastLogic('and'),
  Or: bcastLogic('or'),
  Xor: bcastLogic('xor'),
  Gather: ['test_gather_0', 'test_gather_1', 'test_gather_2d_indices', 'test_gather_negative_indices'],
  ReduceMean: [...reduceCases('mean'), 'test_mvn_expanded'],
  ReduceSum: [...reduceCases('sum'), 'test_reduce_sum_empty_axes_input_noop_example', 'test_reduce_sum_empty_axes_input_noop_random'],
  ReduceMax: [...reduceCases('max').map((c) => c.replace('default_axes_keepdims_example', 'default_axes_keepdim_example')),
    ...suffixes('test_softmax', 'axis_0_expanded', 'axis_1_expanded', 'axis_2_expanded', 'default_axis_expanded', 'example_expanded', 'large_number_expanded', 'negative_axis_expanded'),
    ...suffixes('test_logsoftmax', 'axis_0_expanded', 'axis_1_expanded', 'axis_2_expanded', 'default_axis_expanded', 'example_1_expanded', 'large_number_expanded', 'negative_axis_expanded')],
  ReduceMin: reduceCases('min'),
  ReduceProd: reduceCases('prod'),
  ReduceL1: reduceCases('l1', 'keep_dims'),
  ReduceL2: reduceCases('l2', 'keep_dims'),
  ReduceSumSquare: reduceCases('sum_square'),
  ReduceLogSum: suffixes('test_reduce_log_sum', '', 'asc_axes', 'default', 'desc_axes', 'negative_axes'),
  ReduceLogSumExp: suffixes('test_reduce_log_sum_exp', 'default_axes_keepdims_example', 'default_axes_keepdims_random', 'do_not_keepdims_example',
    'do_not_keepdims_random', 'keepdims_example', 'keepdims_random', 'negative_axes_keepdims_example', 'negative_axes_keepdims_random'),
  BatchNormalization: ['test_batchnorm_epsilon', 'test_batchnorm_example'],
  LayerNormalization: [...layerNorm, ...layerNorm.map((c) => `${c}_expanded`)],
  InstanceNormalization: ['test_instancenorm_epsilon', 'test_instancenorm_example'],
  MaxPool: [...pools('maxpool'), 'test_maxpool_2d_dilations', 'test_maxpool_2d_uint8', 'test_maxpool_3d_default',
    'test_maxpool_with_argmax_2d_precomputed_pads', 'test_maxpool_with_argmax_2d_precomputed_strides'],
  AveragePool: [...pools('averagepool'), 'test_averagepool_2d_pads_count_include_pad', 'test_averagepool_2d_precomputed_pads_count_include_pad',
    'test_averagepool_3d_default'],
  GlobalAveragePool: ['test_globalaveragepool', 'test_globalaveragepool_precomputed'],
  GlobalMaxPool: ['test_globalmaxpool', 'test_globalmaxpool_precomputed'],
  Tile: ['test_tile', 'test_tile_precomputed'],
  Split: suffixes('test_split', 'equal_parts_1d', 'equal_parts_2d', 'equal_parts_default_axis', 'variable_parts_1d', 'variable_parts_2d',
    'variable_parts_default_axis', 'zero_size_splits'),
  Range: ['test_range_float_type_positive_delta', 'test_range_int32_type_negative_delta',
    'test_range_float_type_positive_delta_expanded', 'test_range_int32_type_negative_delta_expanded'],
  TopK: ['test_top_k', 'test_top_k_negative_axis', 'test_top_k_smallest'],
  CumSum: suffixes('test_cumsum', '1d', '1d_exclusive', '1d_reverse', '1d_reverse_exclusive', '2d_axis_0', '2d_axis_1', '2d_negative_axis'),
  Einsum: suffixes('test_einsum', 'batch_diagonal', 'batch_matmul', 'inner_prod', 'sum', 'transpose'),
  ArgMax: argCases('argmax'),
  ArgMin: argCases('argmin'),
  Mod: suffixes('test_mod', 'broadcast', 'int64_fmod', 'mixed_sign_float16', 'mixed_sign_float32', 'mixed_sign_float64', 'mixed_sign_int8',
    'mixed_sign_int16', 'mixed_sign_int32', 'mixed_sign_int64', 'uint8', 'uint16', 'uint32', 'uint64'),
  Hardmax: suffixes('test_hardmax', 'axis_0', 'axis_1', 'axis_2', 'default_axis', 'example', 'negative_axis', 'one_hot'),
  Cast: suffixes('test_cast', 'DOUBLE_to_FLOAT', 'FLOAT_to_DOUBLE', 'FLOAT16_to_FLOAT', 'FLOAT16_to_DOUBLE'),
};

/** Cases of implemented operators that are not copied, and why. */
const EXCLUDED = {
  test_if_opt: 'an optional-typed graph output (optionals are supported inside a graph and as inputs)',
  test_training_dropout: 'training mode with ratio > 0 drops values at random (ONNX drew them with numpy\'s generator)',
  test_training_dropout_default: 'training mode with ratio > 0 drops values at random (ONNX drew them with numpy\'s generator)',
  test_training_dropout_default_mask: 'training mode with ratio > 0 drops values at random (ONNX drew them with numpy\'s generator)',
  test_training_dropout_mask: 'training mode with ratio > 0 drops values at random (ONNX drew them with numpy\'s generator)',
  test_optional_get_element_sequence: 'an optional sequence',
  test_if_seq: 'a sequence-typed graph output (sequences are supported inside a graph only)',
  test_batchnorm_epsilon_training_mode: 'training mode (batch statistics) is not supported: inference only',
  test_batchnorm_example_training_mode: 'training mode (batch statistics) is not supported: inference only',
  test_loop13_seq: 'a sequence-typed graph output (sequences are supported inside a graph only)',
  test_loop16_seq_none: 'an optional sequence, and a sequence-typed graph output',
  test_sequence_insert_at_back: 'sequence-typed graph inputs and outputs (sequences are supported inside a graph only)',
  test_sequence_insert_at_front: 'sequence-typed graph inputs and outputs (sequences are supported inside a graph only)',
  test_identity_sequence: 'sequence-typed graph inputs and outputs (sequences are supported inside a graph only)',
  test_cast_FLOAT_to_FLOAT16: 'float16 values are held as float32: a cast to float16 does not round to 16-bit precision',
  test_cast_DOUBLE_to_FLOAT16: 'float16 values are held as float32: a cast to float16 does not round to 16-bit precision',
  test_cast_FLOAT_to_BFLOAT16: 'bfloat16 values are held as float32: a cast to bfloat16 does not round to 16-bit precision',
  test_cast_BFLOAT16_to_FLOAT: 'the input data file holds the bfloat16 bit patterns as a uint16 tensor (ONNX 1.12), not a bfloat16 one',
  test_cast_FLOAT_to_STRING: 'string tensors are not supported',
  test_cast_STRING_to_FLOAT: 'string tensors are not supported',
  test_castlike_FLOAT_to_FLOAT16: 'float16 values are held as float32: a cast to float16 does not round to 16-bit precision',
  test_castlike_FLOAT_to_FLOAT16_expanded: 'float16 values are held as float32: a cast to float16 does not round to 16-bit precision',
  test_castlike_DOUBLE_to_FLOAT16: 'float16 values are held as float32: a cast to float16 does not round to 16-bit precision',
  test_castlike_DOUBLE_to_FLOAT16_expanded: 'float16 values are held as float32: a cast to float16 does not round to 16-bit precision',
  test_castlike_FLOAT_to_BFLOAT16: 'bfloat16 values are held as float32: a cast to bfloat16 does not round to 16-bit precision',
  test_castlike_FLOAT_to_BFLOAT16_expanded: 'bfloat16 values are held as float32: a cast to bfloat16 does not round to 16-bit precision',
  test_castlike_BFLOAT16_to_FLOAT: 'the input data file holds the bfloat16 bit patterns as a uint16 tensor (ONNX 1.12), not a bfloat16 one',
  test_castlike_BFLOAT16_to_FLOAT_expanded: 'the input data file holds the bfloat16 bit patterns as a uint16 tensor (ONNX 1.12), not a bfloat16 one',
  test_castlike_FLOAT_to_STRING: 'string tensors are not supported',
  test_castlike_FLOAT_to_STRING_expanded: 'string tensors are not supported',
  test_castlike_STRING_to_FLOAT: 'string tensors are not supported',
  test_castlike_STRING_to_FLOAT_expanded: 'string tensors are not supported',
};

/** Cases whose model imports an opset below 7 where the operator is the same at opset 7. */
/**
 * Cases whose expected values are further than the test's default (2e-6) from the exact result,
 * with why: the tolerance their test asserts (max |a - b| / (1 + |b|)).
 */
const TOLERANCE = {
  // ONNX 1.12 computed the windows with pi = 3.1415 (2.9e-5 below pi): up to 8e-5 off
  ...Object.fromEntries(['hann', 'hamming', 'blackman'].flatMap((w) => ['', '_symmetric', '_expanded', '_symmetric_expanded'].map((v) => [`test_${w}window${v}`, 1e-4]))),
  // its expected values multiply signal and window in float32 before the FFT (outputs up to ~1e3)
  test_stft_with_window: 5e-6,
};

const RAISE_OPSET = new Set([
  'test_not_2d', 'test_not_3d', 'test_not_4d', 'test_softplus', 'test_softplus_example', 'test_softsign', 'test_softsign_example',
  'test_elu', 'test_elu_default', 'test_elu_example', 'test_selu', 'test_selu_default', 'test_selu_example',
  'test_hardsigmoid', 'test_hardsigmoid_default', 'test_hardsigmoid_example', 'test_reduce_log_sum',
  'test_instancenorm_epsilon', 'test_instancenorm_example', 'test_globalaveragepool', 'test_globalaveragepool_precomputed',
  'test_globalmaxpool', 'test_globalmaxpool_precomputed',
]);

// --- protobuf: rewrite ModelProto.opset_import (field 8) versions of the default domain to 7 ---

function readVarint(b, p) {
  let v = 0n;
  let shift = 0n;
  for (;;) {
    const x = b[p++];
    v |= BigInt(x & 0x7f) << shift;
    shift += 7n;
    if (x < 0x80) return [v, p];
  }
}
function writeVarint(v) {
  const out = [];
  let x = BigInt(v);
  do {
    let byte = Number(x & 0x7fn);
    x >>= 7n;
    if (x) byte |= 0x80;
    out.push(byte);
  } while (x);
  return out;
}
/** Splits a message into [fieldNumber, wireType, raw bytes of the whole field, payload]. */
function fields(b) {
  const out = [];
  let p = 0;
  while (p < b.length) {
    const start = p;
    const [key, q] = readVarint(b, p);
    p = q;
    const f = Number(key >> 3n);
    const wt = Number(key & 7n);
    let payload;
    if (wt === 0) [payload, p] = readVarint(b, p);
    else if (wt === 2) {
      const [len, q2] = readVarint(b, p);
      payload = b.subarray(q2, q2 + Number(len));
      p = q2 + Number(len);
    } else if (wt === 1) p += 8;
    else if (wt === 5) p += 4;
    else throw new Error(`unexpected wire type ${wt}`);
    out.push([f, wt, b.subarray(start, p), payload]);
  }
  return out;
}
function raiseOpset(bytes, to) {
  const parts = [];
  let raised = 0;
  for (const [f, wt, raw, payload] of fields(bytes)) {
    if (f !== 8 || wt !== 2) {
      parts.push(...raw);
      continue;
    }
    const sub = fields(payload);
    const domain = sub.find(([g]) => g === 1);
    if (domain && Buffer.from(domain[3]).toString() !== '' && Buffer.from(domain[3]).toString() !== 'ai.onnx') {
      parts.push(...raw);
      continue;
    }
    const body = [];
    for (const [g, , r, v] of sub) {
      if (g === 2) {
        raised = Number(v);
        body.push(...writeVarint(2 << 3), ...writeVarint(to));
      } else body.push(...r);
    }
    parts.push(...writeVarint((8 << 3) | 2), ...writeVarint(body.length), ...body);
  }
  return [new Uint8Array(parts), raised];
}

// ---------------------------------------------------------------------------------------------

function dirSize(dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? dirSize(join(dir, e.name)) : statSync(join(dir, e.name)).size;
  return n;
}

rmSync(DST, { recursive: true, force: true });
mkdirSync(DST, { recursive: true });
const cases = [];
const excluded = { ...EXCLUDED };
for (const [op, names] of Object.entries(ALLOW)) {
  for (const name of names) {
    const from = join(SRC, name);
    if (!existsSync(from)) throw new Error(`${name} (listed for ${op}) is not in ${SRC}`);
    if (name in EXCLUDED) throw new Error(`${name} is both allowed and excluded`);
    if (dirSize(from) > MAX_BYTES) {
      excluded[name] = `larger than ${MAX_BYTES} bytes`;
      continue;
    }
    cpSync(from, join(DST, name), { recursive: true });
    const entry = { name, op };
    if (name in TOLERANCE) entry.tolerance = TOLERANCE[name];
    if (RAISE_OPSET.has(name)) {
      const [bytes, was] = raiseOpset(readFileSync(join(from, 'model.onnx')), 7);
      if (!(was < 7)) throw new Error(`${name}: opset ${was} needs no raising`);
      writeFileSync(join(DST, name, 'model.onnx'), bytes);
      entry.opsetRaisedFrom = was;
    }
    cases.push(entry);
  }
}
// Every test_<op>* case of a listed operator's own prefix must be decided.
const listed = new Set(cases.map((c) => c.name));
for (const name of readdirSync(SRC)) {
  for (const c of cases) {
    if (name.startsWith(`${c.name}_`) && !listed.has(name) && !(name in excluded) && !name.endsWith('_expanded')) {
      excluded[name] = 'not decided: add it to ALLOW or EXCLUDED';
    }
  }
}
writeFileSync(join(DST, 'cases.json'), `${JSON.stringify({ source: 'ONNX 1.12 backend node tests (libonnx-testdata)', cases, excluded }, null, 1)}\n`);
writeFileSync(join(DST, 'LICENSE.md'), `# Provenance and license of these files

The \`test_*\` directories here are copied from ONNX's backend node test suite
(\`onnx/backend/test/data/node\` of ONNX 1.12, as distributed by Debian's \`libonnx-testdata\`
package) by \`tools/copy-onnx-node-tests.mjs\`, unchanged except that the cases marked
\`opsetRaisedFrom\` in \`cases.json\` import opset 7 instead of an older one (their operator is the
same at opset 7; loadOnnx accepts opsets 7-21).

Copyright (c) ONNX Project Contributors. Licensed under the Apache License, Version 2.0
(https://www.apache.org/licenses/LICENSE-2.0). They are test data only and are not part of the
published package.
`);
console.log(`${cases.length} cases copied, ${Object.keys(excluded).length} excluded`);
for (const [k, v] of Object.entries(excluded)) if (v.startsWith('not decided')) console.log(`undecided: ${k}`);
