#!/usr/bin/env python3
"""Regenerates Keras.Net/Datasets/Resources/fashion-mnist-sample.*.gz, the Fashion-MNIST subset that
FashionMnist.LoadSample() returns: the first 2000 training and the first 500 test images with their labels,
as gzip-compressed IDX files (byte-for-byte reproducible: no timestamp or file name in the gzip header).

Usage: python3 eng/make-sample-data.py [SOURCE_FOLDER]
SOURCE_FOLDER holds the four original .gz files (default /usr/share/datasets/fashion-mnist, from the Debian
package dataset-fashion-mnist). Keep the counts in sync with FashionMnist.SampleTrainCount/SampleTestCount.
"""
import gzip
import io
import os
import struct
import sys

COUNTS = {"train": 2000, "t10k": 500}

src = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
dst = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Keras.Net", "Datasets", "Resources")


def subset(data: bytes, n: int) -> bytes:
    zero, type_code, rank = struct.unpack(">HBB", data[:4])
    assert zero == 0 and type_code == 0x08, "expected a uint8 IDX file"
    dims = list(struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank]))
    row = 1
    for d in dims[1:]:
        row *= d
    assert dims[0] >= n
    dims[0] = n
    header = struct.pack(">HBB", 0, type_code, rank) + struct.pack(">" + "I" * rank, *dims)
    start = 4 + 4 * rank
    return header + data[start:start + n * row]


for prefix, n in COUNTS.items():
    for kind in ("images-idx3", "labels-idx1"):
        name = f"{prefix}-{kind}-ubyte.gz"
        with gzip.open(os.path.join(src, name), "rb") as f:
            raw = subset(f.read(), n)
        buf = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=buf, mtime=0) as g:
            g.write(raw)
        out = os.path.join(dst, "fashion-mnist-sample." + name)
        with open(out, "wb") as f:
            f.write(buf.getvalue())
        print(f"{out}: {len(raw)} bytes, {len(buf.getvalue())} compressed")
