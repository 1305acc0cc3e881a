#!/usr/bin/env python3
"""Writes the committed seed corpora of the fuzz harnesses (Fuzz/Corpus/csv, Fuzz/Corpus/safetensors).

Run from anywhere: `python3 Fuzz/Corpus/make_seeds.py`. The output is deterministic. scripts/fuzz
never writes here: it fuzzes a copy.

CSV seeds start with the harness's option byte (see Sources/FuzzCSV/main.swift):
bit 0 Double, bits 1-3 label column choice, bit 4 binary, bits 5-7 positive choice.
Safetensors seeds are written in the layout of Backprop's writer (sorted keys, header padded
with spaces to a multiple of 8 bytes), so the model seeds are accepted by ModelFile.decode; the
`-structured` copies are the harness's structured form (header JSON, 0 byte, data).
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def option(double=False, label=0, binary=False, positive=0):
    return bytes([int(double) | (label << 1) | (int(binary) << 4) | (positive << 5)])


CSV = {
    # name: (option byte, text)
    "plain-binary": (option(), "x1,x2,label\n1,2,a\n3,4,b\n-1.5,0.25,a\n"),
    "bom-crlf-double": (option(double=True), "\ufeffx,y,class\r\n0.5,1e-3,0\r\n-2,3E+2,1\r\n"),
    "quoted-by-name": (option(label=4), 'label,"a, b","c ""q"""\n"x y",1,2\n"z",3,"4"\n'),
    "three-classes": (option(), "f,g,label\n1,0,1\n0,1,2\n1,1,10\n0,0,2\n"),
    "positive-yes": (option(binary=True, positive=2), "a,b,y\n1,2,yes\n2,1,no\n3,3,yes\n"),
    "numbers": (option(double=True), "a,b,c,label\n-1.5e3,.5,+2.,1\n1e-300,1e38,-0,0\n"),
    "label-first": (option(label=1), "label,x\n1,0.5\n-1,0.25\n"),
    "blank-lines-no-eol": (option(), "x,label\n\n  1 ,\ta\n\n \t\n2,b"),
    "cr-only": (option(double=True), "x,y,label\r1,2,p\r3,4,q\r"),
    "nonfinite": (option(), "x,label\nnan,a\ninf,b\n1e999,a\n"),
    "multiline-quote": (option(label=2), 'x,label\n1,"multi\nline"\n2,"x"\n'),
    # Regression (CSVCanonicalLabelTests): "é" precomposed and decomposed are one class.
    "canonical-labels": (option(), "x,label\n1,\u00e9\n2,e\u0301\n3,a\n"),
    "negative-index": (option(label=6, positive=1), "a,b,c,d,e,f,g,label\n1,2,3,4,5,6,7,1\n0,1,0,0,0,0,0,0\n"),
}


def iris_seed():
    path = os.path.join(HERE, "..", "..", "Tests", "BackpropTests", "Fixtures", "iris-2class.csv")
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    return option(double=True, binary=True), "\n".join(lines[:6] + lines[-6:]) + "\n"


def safetensors(tensors, metadata=None):
    """tensors: list of (name, dtype, shape, values) in any order."""
    fmt = {"F32": "<f", "F64": "<d"}
    header = {}
    data = b""
    for name, dtype, shape, values in sorted(tensors, key=lambda t: t[0].encode()):
        raw = b"".join(struct.pack(fmt[dtype], v) for v in values)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if metadata:
        header["__metadata__"] = dict(sorted(metadata.items(), key=lambda kv: kv[0].encode()))
    items = sorted(header.items(), key=lambda kv: kv[0].encode())
    text = "{" + ",".join(json.dumps(k) + ":" + json.dumps(v, separators=(",", ":"), ensure_ascii=False)
                          for k, v in items) + "}"
    raw_header = text.encode()
    raw_header += b" " * (-len(raw_header) % 8)
    return struct.pack("<Q", len(raw_header)) + raw_header + data


def model(sizes, activations, loss, dtype, masks=(), extra=None):
    tensors = []
    for i in range(len(sizes) - 1):
        din, dout = sizes[i], sizes[i + 1]
        w = [((j * 7 + 3) % 11 - 5) / 8 for j in range(din * dout)]
        if i in masks:
            m = [float((j % 3) != 0) for j in range(din * dout)]
            w = [a * b for a, b in zip(w, m)]
            tensors.append((f"layers.{i}.mask", dtype, [din, dout], m))
        tensors.append((f"layers.{i}.weight", dtype, [din, dout], w))
        tensors.append((f"layers.{i}.bias", dtype, [dout], [0.125 * (k + 1) for k in range(dout)]))
    meta = {
        "backprop.format": "1",
        "backprop.sizes": json.dumps(sizes, separators=(",", ":")),
        "backprop.activations": json.dumps(activations, separators=(",", ":")),
        "backprop.loss": loss,
    }
    meta.update(extra or {})
    return safetensors(tensors, meta)


SAFETENSORS = {
    "model-f32-mse": model([2, 3, 1], ["tanh", "identity"], "mse", "F32"),
    "model-f64-softmax-mask": model([2, 4, 3], ["relu", "identity"], "softmax", "F64", masks=(0,),
                                    extra={"classes": '["a","b","c"]', "standardize.mean": "[0.5,-1]"}),
    "model-f32-logistic": model([3, 2, 2, 1], ["sigmoid", "leaky-relu", "identity"], "logistic", "F32"),
    "plain-tensor": safetensors([("t", "F32", [2, 2], [1, 2, 3, 4]), ("s", "F64", [], [0.5])]),
    "empty-tensor-meta": safetensors([("e", "F64", [0, 3], [])], {"k": "v\u00e9"}),
    "empty-header": safetensors([]),
}


def write(folder, name, content):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(content)


def main():
    seeds = dict(CSV)
    seeds["iris-head"] = iris_seed()
    for name, (opt, text) in seeds.items():
        write(os.path.join(HERE, "csv"), name, opt + text.encode())
    for name, content in SAFETENSORS.items():
        write(os.path.join(HERE, "safetensors"), name, content)
        if name.startswith("model-"):
            # The harness's structured form: header JSON, a 0 byte, the data section.
            length = struct.unpack("<Q", content[:8])[0]
            structured = content[8:8 + length] + b"\0" + content[8 + length:]
            write(os.path.join(HERE, "safetensors"), name + "-structured", structured)


if __name__ == "__main__":
    main()
