#!/usr/bin/python3
"""Generates the torch-made safetensors fixtures of test/safetensors.test.ts.

Run with Debian's interpreter (it has torch; the `safetensors` package is not needed):

    /usr/bin/python3 tools/gen_safetensors_fixtures.py

The files are written by hand following the format spec
(https://github.com/huggingface/safetensors#format), with the tensor bytes produced by torch, so
the test checks wasm-rnn's reader against torch's own bit patterns and conversions:

  test/fixtures/safetensors/torch_dtypes.safetensors
      F16, BF16, F32, F64, I32, I64 tensors with special values (±inf, nan with payloads,
      subnormals, -0, max/min values), a strided sample of every f16/bf16 bit pattern, a scalar,
      an empty [0, 3] tensor, a 3-D tensor, and __metadata__. The header is deliberately NOT padded
      and an odd-sized F16 tensor comes first, so F32/F64/I32/I64 data sit at unaligned offsets.
  test/fixtures/safetensors/torch_expected.json
      for every tensor: dtype, shape and the expected values: float tensors as the uint32 bit
      patterns of torch's `.float()` conversion, integer tensors as decimal strings; plus the
      metadata.
  test/fixtures/safetensors/torch_bool.safetensors
  test/fixtures/safetensors/torch_rounding.safetensors (float32 values and torch's F16 / BF16 of them)
      a BOOL tensor next to an F32 one (the reader must refuse it with UNSUPPORTED).
"""
import json
import os

import numpy as np
import torch

from torch_safetensors import DTYPE_NAME, write_safetensors

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "safetensors")

def from_bits16(bits, dtype):
    return torch.tensor(np.array(bits, dtype=np.uint16).view(np.int16)).view(dtype)


def f32_bits(t):
    return [int(x) for x in t.float().contiguous().reshape(-1).view(torch.int32).numpy().view(np.uint32)]


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)

    f16_special_bits = [
        0x0000, 0x8000,  # +0, -0
        0x0001, 0x8001,  # smallest subnormal
        0x03FF, 0x83FF,  # largest subnormal
        0x0200, 0x0155,  # other subnormals
        0x0400, 0x8400,  # smallest normal
        0x3C00, 0xBC00,  # ±1
        0x3555, 0x3E00,  # ~1/3, 1.5
        0x7BFF, 0xFBFF,  # ±max (65504)
        0x7C00, 0xFC00,  # ±inf
        0x7E00, 0xFE00,  # quiet nan
        0x7C01, 0x7D55, 0xFDFF,  # signalling nans with payloads
        0x7FFF, 0xFFFF,  # nans with all mantissa bits
    ]
    bf16_special_bits = [
        0x0000, 0x8000,
        0x0001, 0x8001, 0x007F, 0x807F, 0x0040,  # subnormals
        0x0080, 0x8080,  # smallest normal
        0x3F80, 0xBF80,  # ±1
        0x3EAB,
        0x7F7F, 0xFF7F,  # ±max
        0x7F80, 0xFF80,  # ±inf
        0x7FC0, 0xFFC0,  # quiet nan
        0x7F81, 0x7FA5, 0xFFBF,  # signalling nans with payloads
        0x7FFF, 0xFFFF,
    ]
    f32_special = torch.tensor(
        np.array(
            [0x00000000, 0x80000000, 0x00000001, 0x807FFFFF, 0x00800000, 0x3F800000, 0x7F7FFFFF, 0xFF7FFFFF,
             0x7F800000, 0xFF800000, 0x7FC00000, 0x7F800001, 0xFFC12345, 0x3EAAAAAB],
            dtype=np.uint32,
        ).view(np.int32)
    ).view(torch.float32)
    f64_special = torch.tensor(
        [0.0, -0.0, 1.0, -1.0, 1.0 / 3.0, 0.1, 1e-40, -1e-45, 1e-50, 3.4028235677973366e38, 3.5e38, -1e300,
         float("inf"), float("-inf"), float("nan"), 1.0000000596046448, 1.0000001788139343, 5e-324,
         2.0 ** -149, 2.0 ** -150, 1.5 * 2.0 ** -149, 16777217.0],
        dtype=torch.float64,
    )
    i32 = torch.tensor([0, 1, -1, 2**31 - 1, -(2**31), 123456789, -987654321], dtype=torch.int32)
    i64 = torch.tensor([0, 1, -1, 2**63 - 1, -(2**63), 2**53 + 1, -(2**40) - 7, 4294967296], dtype=torch.int64)

    tensors = [
        # 25 f16 values = 50 bytes: everything after it is misaligned (and the header is unpadded).
        ("a_f16_special", from_bits16(f16_special_bits[:25], torch.float16)),
        ("bf16_special", from_bits16(bf16_special_bits, torch.bfloat16)),
        ("f16_sweep", from_bits16(list(range(0, 65536, 97)), torch.float16)),
        ("bf16_sweep", from_bits16(list(range(0, 65536, 97)), torch.bfloat16)),
        ("f16_random", torch.randn(3, 5).to(torch.float16)),
        ("bf16_random", torch.randn(2, 7).to(torch.bfloat16)),
        ("f32_special", f32_special),
        ("f32_3d", torch.randn(2, 3, 4)),
        ("f32_scalar", torch.tensor(-2.5)),
        ("f32_empty", torch.zeros(0, 3)),
        ("f64_special", f64_special),
        ("f64_random", torch.randn(2, 3, dtype=torch.float64)),
        ("i32", i32),
        ("i64", i64.reshape(2, 4)),
        ("i64_scalar", torch.tensor(-42, dtype=torch.int64)),
        ("f16_scalar", torch.tensor(0.333, dtype=torch.float16)),
    ]
    assert len(f16_special_bits) == 25
    metadata = {"format": "pt", "producer": "tools/gen_safetensors_fixtures.py", "unicode": "h\u00e9llo \u2603"}
    write_safetensors(os.path.join(OUT, "torch_dtypes.safetensors"), tensors, metadata, pad=False)

    expected = {"__metadata__": metadata, "tensors": {}}
    for name, t in tensors:
        e = {"dtype": DTYPE_NAME[t.dtype], "shape": list(t.shape)}
        if t.dtype.is_floating_point:
            e["f32_bits"] = f32_bits(t)
            # Source bit patterns too, so the test can tell exact conversions from rounded ones.
            if t.dtype in (torch.float16, torch.bfloat16):
                e["src_bits"] = [int(x) for x in t.contiguous().view(torch.int16).numpy().view(np.uint16).ravel()]
        else:
            e["values"] = [str(int(x)) for x in t.reshape(-1).tolist()]
        expected["tensors"][name] = e
    with open(os.path.join(OUT, "torch_expected.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"))
        f.write("\n")

    write_safetensors(
        os.path.join(OUT, "torch_bool.safetensors"),
        [("weight", torch.ones(2, 2)), ("mask", torch.tensor([True, False, True]))],
        {"format": "pt"},
    )

    # float32 -> F16 / BF16 as torch rounds it (writeSafetensors' `float` option): random values
    # over many binades, halfway cases of both formats, the largest finite values and past them,
    # subnormals, signed zeros, infinities
    g = torch.Generator().manual_seed(7)
    rand = torch.randn(4000, generator=g) * torch.exp2(torch.randint(-30, 20, (4000,), generator=g).float())
    halfway = [1 + 2**-11, 1 + 3 * 2**-11, 1 + 2**-8, 1 + 3 * 2**-8, 2048 + 1, 65504, 65519.99, 65520, 1e5, 6e-8, 3e-8, 2.98e-8, 1e-9,
               3.3895e38, 3.4e38, 1e-39, 1e-45, 0.0, -0.0, float("inf"), float("-inf")]
    src = torch.cat([rand, torch.tensor(halfway), -torch.tensor(halfway)]).float()
    write_safetensors(
        os.path.join(OUT, "torch_rounding.safetensors"),
        [("f32", src), ("f16", src.to(torch.float16)), ("bf16", src.to(torch.bfloat16))],
        {"format": "pt", "producer": "tools/gen_safetensors_fixtures.py"},
    )


if __name__ == "__main__":
    main()
