"""Writes a copy of a GGUF with every 2-D weight dequantized (by the gguf package) to F32 or BF16, same metadata
and tensor order; 1-D tensors (norms) stay F32 as llama.cpp expects. Used to compare llama.cpp and the engine at
equal weight precision on the default model.

    python gguf_retype.py IN.gguf OUT.gguf f32|bf16
"""
import sys

import numpy as np
from gguf import GGMLQuantizationType as Q, GGUFReader, GGUFValueType, GGUFWriter, LlamaFileType
from gguf.quants import dequantize, quantize


def main(src, dst, kind):
    target = {"f32": Q.F32, "bf16": Q.BF16}[kind]
    r = GGUFReader(src)
    arch = r.fields["general.architecture"].contents()
    w = GGUFWriter(dst, arch)
    for name, f in r.fields.items():
        if name.startswith("GGUF.") or name == "general.architecture":
            continue
        if name == "general.file_type":
            w.add_uint32(name, LlamaFileType.ALL_F32 if target == Q.F32 else LlamaFileType.MOSTLY_BF16)
            continue
        vtype = f.types[0]
        sub = f.types[-1] if vtype == GGUFValueType.ARRAY else None
        w.add_key_value(name, f.contents(), vtype, sub_type=sub)
    for t in r.tensors:
        shape = [int(d) for d in reversed(t.shape)]  # numpy order: outermost first
        data = dequantize(t.data, t.tensor_type).reshape(shape).astype(np.float32)
        if len(shape) >= 2 and target == Q.BF16:
            w.add_tensor(t.name, quantize(data, Q.BF16), raw_dtype=Q.BF16)  # uint8 bytes: shape from them
        else:
            w.add_tensor(t.name, data)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
