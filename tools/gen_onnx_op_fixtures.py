#!/usr/bin/python3
"""Generates one small model per (operator, opset, attribute variant) for the non-recurrent ops.

Run with Debian's python (onnx 1.12, numpy):

    /usr/bin/python3 tools/gen_onnx_op_fixtures.py

Writes test/fixtures/onnx/ops/<case>/model.onnx and test_data_set_0/input_N.pb. Expected
outputs come from onnxruntime-web in test/onnx/ops.test.ts; the cases exercise the signature
changes across opsets (axes as attribute vs input for Squeeze/Unsqueeze (13) and ReduceSum (13) /
ReduceMean / ReduceMax (18), Slice attributes before 10, Softmax/LogSoftmax axis coercion before
13, Reshape allowzero (14), Shape start/end (15), Dropout ratio input (12)).
"""
import os
import shutil
import zlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'onnx', 'ops')
NP2ONNX = {np.dtype('float32'): TensorProto.FLOAT, np.dtype('int64'): TensorProto.INT64,
           np.dtype('int32'): TensorProto.INT32, np.dtype('bool'): TensorProto.BOOL}


def case(name, opset, op, inputs, n_out=1, consts=(), **attrs):
    """inputs: list of (name, array); names in `consts` become initializers."""
    node = helper.make_node(op, [n for n, _ in inputs], [f'out{i}' for i in range(n_out)], name=f'{op.lower()}_0', **attrs)
    g_in = [helper.make_tensor_value_info(n, NP2ONNX[a.dtype], list(a.shape)) for n, a in inputs if n and n not in consts]
    inits = [numpy_helper.from_array(a, n) for n, a in inputs if n in consts]
    g_out = [helper.make_empty_tensor_value_info(f'out{i}') for i in range(n_out)]
    graph = helper.make_graph([node], name, g_in, g_out, initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', opset)])
    model.ir_version = 7
    d = os.path.join(ROOT, f'{name}_op{opset}')
    os.makedirs(os.path.join(d, 'test_data_set_0'))
    onnx.save(model, os.path.join(d, 'model.onnx'))
    k = 0
    for n, a in inputs:
        if n and n not in consts:
            with open(os.path.join(d, 'test_data_set_0', f'input_{k}.pb'), 'wb') as f:
                f.write(numpy_helper.from_array(a, n).SerializeToString())
            k += 1


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    os.makedirs(ROOT)
    rng = np.random.default_rng(zlib.crc32(b'ops'))
    f = lambda *s: rng.standard_normal(s).astype(np.float32)
    i64 = lambda *v: np.array(v, dtype=np.int64)
    x234 = f(2, 3, 4)

    for op in ['Add', 'Sub', 'Mul', 'Div']:
        case(f'{op.lower()}_bcast', 13, op, [('a', f(2, 3, 4)), ('b', f(3, 1))])
        case(f'{op.lower()}_same', 9, op, [('a', f(3, 4)), ('b', f(3, 4) + (3 if op == 'Div' else 0))])
    case('add_int64', 14, 'Add', [('a', i64(1, 2, 3)), ('b', i64(10))])
    case('mul_int64_const', 14, 'Mul', [('a', i64(4, -5, 6)), ('b', i64(3, 3, 3))], consts=('b',))
    case('div_int64', 14, 'Div', [('a', i64(7, -7, 9)), ('b', i64(2, 2, -4))])
    for op in ['Relu', 'Tanh', 'Sigmoid', 'Identity']:
        case(op.lower(), 14 if op == 'Relu' else 13, op, [('x', f(3, 5) * 4)])
    for opset in [9, 13]:
        for axis in [None, 0, 1, -1]:
            kw = {} if axis is None else {'axis': axis}
            for op in ['Softmax', 'LogSoftmax']:
                case(f'{op.lower()}_ax{axis}'.replace('-', 'm'), opset, op, [('x', x234)], **kw)
    case('matmul_2d', 13, 'MatMul', [('a', f(3, 4)), ('b', f(4, 5))])
    case('matmul_batched', 13, 'MatMul', [('a', f(2, 3, 4)), ('b', f(4, 5))], consts=('b',))
    case('matmul_bcast', 13, 'MatMul', [('a', f(2, 1, 3, 4)), ('b', f(3, 4, 2))])
    case('matmul_vec', 13, 'MatMul', [('a', f(4)), ('b', f(2, 4, 3))])
    case('matmul_vecr', 13, 'MatMul', [('a', f(2, 3, 4)), ('b', f(4))])
    case('gemm_plain', 9, 'Gemm', [('a', f(3, 4)), ('b', f(4, 5)), ('c', f(3, 5))])
    case('gemm_trans', 13, 'Gemm', [('a', f(4, 3)), ('b', f(5, 4)), ('c', f(5))], consts=('b', 'c'), transA=1, transB=1, alpha=0.5, beta=2.0)
    case('gemm_noc', 13, 'Gemm', [('a', f(3, 4)), ('b', f(5, 4))], transB=1)
    # reductions: axes attribute before 13 (Sum) / 18 (Mean, Max), input after
    for op, since in [('ReduceSum', 13), ('ReduceMean', 18), ('ReduceMax', 18)]:
        for opset in [11, since]:
            if opset < since:
                case(f'{op.lower()}_attr', opset, op, [('x', x234)], axes=[1, -1])
                case(f'{op.lower()}_attr_nokeep', opset, op, [('x', x234)], axes=[0], keepdims=0)
                case(f'{op.lower()}_all', opset, op, [('x', x234)])
            else:
                case(f'{op.lower()}_input', opset, op, [('x', x234), ('axes', i64(1, -1))])
                case(f'{op.lower()}_input_nokeep', opset, op, [('x', x234), ('axes', i64(0))], consts=('axes',), keepdims=0)
                case(f'{op.lower()}_noaxes', opset, op, [('x', x234)])
                case(f'{op.lower()}_noop', opset, op, [('x', x234)], noop_with_empty_axes=1)
    case('argmax_default', 11, 'ArgMax', [('x', x234)])
    case('argmax_ax2', 13, 'ArgMax', [('x', x234)], axis=-1, keepdims=0)
    case('argmax_last', 13, 'ArgMax', [('x', np.array([[1, 3, 3], [2, 2, 0]], np.float32))], axis=1, select_last_index=1)
    # data movement
    case('squeeze_attr', 11, 'Squeeze', [('x', f(1, 3, 1, 2))], axes=[0, -2])
    case('squeeze_all', 11, 'Squeeze', [('x', f(1, 3, 1, 2))])
    case('squeeze_input', 13, 'Squeeze', [('x', f(1, 3, 1, 2)), ('axes', i64(2))])
    case('unsqueeze_attr', 9, 'Unsqueeze', [('x', f(3, 2))], axes=[0, 3])
    case('unsqueeze_neg', 11, 'Unsqueeze', [('x', f(3, 2))], axes=[-1])
    case('unsqueeze_input', 13, 'Unsqueeze', [('x', f(3, 2)), ('axes', i64(1, -1))], consts=('axes',))
    case('slice_attr', 9, 'Slice', [('x', x234)], starts=[1, 0], ends=[2, 9223372036854775807], axes=[0, 2])
    case('slice_attr_noaxes', 9, 'Slice', [('x', x234)], starts=[0, 1], ends=[-1, 3])
    case('slice_input', 10, 'Slice', [('x', x234), ('s', i64(-1)), ('e', i64(-9223372036854775807)), ('a', i64(1)), ('st', i64(-1))])
    case('slice_steps', 13, 'Slice', [('x', x234), ('s', i64(0, 3)), ('e', i64(2, 0)), ('a', i64(0, 2)), ('st', i64(1, -2))], consts=('s', 'e', 'a', 'st'))
    case('slice_noaxes', 13, 'Slice', [('x', x234), ('s', i64(1)), ('e', i64(3))])
    case('concat', 13, 'Concat', [('a', f(2, 3)), ('b', f(2, 1)), ('c', f(2, 2))], axis=-1)
    case('concat_int64', 9, 'Concat', [('a', i64(1, 2)), ('b', i64(3))], axis=0)
    case('reshape', 13, 'Reshape', [('x', x234), ('s', i64(0, -1, 2))])
    case('reshape_allowzero', 14, 'Reshape', [('x', x234), ('s', i64(4, 0, -1))], consts=('s',), allowzero=0)
    case('reshape_empty', 14, 'Reshape', [('x', np.zeros((0, 3), np.float32)), ('s', i64(3, 0))], allowzero=1)
    case('transpose_default', 13, 'Transpose', [('x', x234)])
    case('transpose_perm', 13, 'Transpose', [('x', x234)], perm=[1, 0, 2])
    case('expand', 13, 'Expand', [('x', f(3, 1)), ('s', i64(2, 1, 4))])
    case('expand_int', 13, 'Expand', [('x', i64(5)), ('s', i64(3, 2))])
    case('cast_f2i', 13, 'Cast', [('x', f(3, 4) * 5)], to=TensorProto.INT64)
    case('cast_i2f', 13, 'Cast', [('x', i64(3, -2, 7))], to=TensorProto.FLOAT)
    case('cast_f2i32', 13, 'Cast', [('x', f(5) * 50)], to=TensorProto.INT32)
    case('cast_f2b', 13, 'Cast', [('x', np.array([0, 1.5, -2, 0], np.float32))], to=TensorProto.BOOL)
    case('flatten_default', 13, 'Flatten', [('x', x234)])
    case('flatten_ax0', 13, 'Flatten', [('x', x234)], axis=0)
    case('flatten_neg', 13, 'Flatten', [('x', x234)], axis=-1)
    case('dropout_legacy', 9, 'Dropout', [('x', f(3, 4))], n_out=2, ratio=0.3)
    case('dropout_ratio', 13, 'Dropout', [('x', f(3, 4)), ('r', np.array(0.4, np.float32))], n_out=2)
    case('shape', 13, 'Shape', [('x', x234)])
    case('shape_slice', 15, 'Shape', [('x', x234)], start=1, end=-0 or 3)
    case('shape_neg', 15, 'Shape', [('x', x234)], start=-2)
    case('gather_0', 13, 'Gather', [('x', f(5, 3)), ('i', i64(4, 0, -1))])
    case('gather_ax1', 13, 'Gather', [('x', x234), ('i', np.array([[1, 0], [2, 2]], np.int32))], axis=1)
    case('gather_scalar', 13, 'Gather', [('x', x234), ('i', np.array(-1, np.int64))], axis=-1)
    case('gather_int64', 13, 'Gather', [('x', i64(5, 6, 7)), ('i', i64(2))])
    case('const_of_shape', 9, 'ConstantOfShape', [('s', i64(2, 3))], value=numpy_helper.from_array(np.array([1.5], np.float32)))
    case('const_of_shape_default', 9, 'ConstantOfShape', [('s', i64(4))])
    case('const_of_shape_int', 13, 'ConstantOfShape', [('s', i64(2, 2))], value=numpy_helper.from_array(np.array([7], np.int64)))
    case('constant_tensor', 13, 'Constant', [], value=numpy_helper.from_array(f(2, 2)))
    case('constant_floats', 13, 'Constant', [], value_floats=[1.0, 2.5])
    case('constant_int', 13, 'Constant', [], value_int=-4)
    case('constant_ints', 13, 'Constant', [], value_ints=[3, 4])
    print(len(os.listdir(ROOT)), 'cases')


if __name__ == '__main__':
    main()
