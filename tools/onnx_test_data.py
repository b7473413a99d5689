"""Writes ONNX backend-test-style data sets: test_data_set_<idx>/input_K.pb and output_K.pb, one
serialized TensorProto per graph input / output (the layout of ONNX's node tests, which
test/onnx/helpers.ts readDataSet reads). Shared by the tools/gen_onnx_torch_*.py generators."""
import os

from onnx import numpy_helper


def save_set(d, idx, inputs, outputs):
    """inputs, outputs: lists of (name, numpy array), in graph order."""
    sd = os.path.join(d, f'test_data_set_{idx}')
    os.makedirs(sd)
    for k, (n, a) in enumerate(inputs):
        with open(os.path.join(sd, f'input_{k}.pb'), 'wb') as f:
            f.write(numpy_helper.from_array(a, n).SerializeToString())
    for k, (n, a) in enumerate(outputs):
        with open(os.path.join(sd, f'output_{k}.pb'), 'wb') as f:
            f.write(numpy_helper.from_array(a, n).SerializeToString())
