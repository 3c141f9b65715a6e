#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz harnesses (tests/fuzz/corpus/{model,npy,tiff}): small
valid files of every kind each reader reads, and a few damaged ones. The committed corpus is the
output of this script (run it again only to change the seeds); inputs that crashed a harness are
added to the corpus by hand, named crash-<what>, and never regenerated.

    PYTHONPATH=bindings/python SPARSEVAR_LIBRARY=build/prefix/lib/libsparsevar.so \\
        python3 tests/fuzz/make_corpus.py

The model seed needs the built library (through the Python binding); the .npy and TIFF seeds
need only numpy.
"""

import io
import os
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
H = W = 8  # the harness's dataset takes 8 x 8 frames


def write(kind, name, data):
    os.makedirs(os.path.join(CORPUS, kind), exist_ok=True)
    with open(os.path.join(CORPUS, kind, name), "wb") as f:
        f.write(data)


def frames(count, dtype, rng):
    values = rng.integers(0, 200, size=(count, H, W))
    return values.astype(dtype)


# -- .npy --------------------------------------------------------------------------------------------

def npy_bytes(array, version=None):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, version=version)
    return buffer.getvalue()


def npy_seeds(rng):
    for dtype in ["|u1", "<u2", ">u2", "<i2", ">i2", "<f4", ">f4", "<f8", ">f8"]:
        name = dtype.replace("<", "le").replace(">", "be").replace("|", "")
        write("npy", f"valid-{name}.npy", npy_bytes(frames(3, np.dtype(dtype), rng)))
    write("npy", "valid-v2.npy", npy_bytes(frames(2, np.uint16, rng), version=(2, 0)))
    write("npy", "valid-v3.npy", npy_bytes(frames(2, np.float32, rng), version=(3, 0)))
    good = npy_bytes(frames(2, np.uint16, rng))
    write("npy", "damaged-truncated.npy", good[: len(good) - 7])
    header_end = good.index(b"\n") + 1
    text = good[10:header_end].decode("latin-1").replace("(2, 8, 8)", "(4611686018427387904, 8, 8)")
    text = text.rstrip("\n").rstrip() + " " * 4 + "\n"
    lying = good[:8] + struct.pack("<H", len(text)) + text.encode("latin-1") + good[header_end:]
    write("npy", "damaged-huge-shape.npy", lying)
    write("npy", "damaged-fortran.npy", npy_bytes(np.asfortranarray(frames(2, np.float32, rng).transpose(2, 1, 0))))
    write("npy", "damaged-rank2.npy", npy_bytes(frames(1, np.uint16, rng)[0]))


# -- TIFF --------------------------------------------------------------------------------------------

def tiff_bytes(pages, *, big_endian=False, bigtiff=False, tile=None, rows_per_strip=None):
    """A multi-page grayscale TIFF of `pages` (arrays H x W of one dtype), uncompressed, strips
    (or tiles of `tile` x `tile`)."""
    e = ">" if big_endian else "<"
    off_fmt, count_fmt, entry_size = ("Q", "Q", 20) if bigtiff else ("I", "H", 12)
    first = pages[0]
    bits = first.dtype.itemsize * 8
    sample_format = {"u": 1, "i": 2, "f": 3}[first.dtype.kind]
    out = bytearray()
    if bigtiff:
        out += (b"MM" if big_endian else b"II") + struct.pack(e + "HHHQ", 43, 8, 0, 0)
        next_pointer = 8
    else:
        out += (b"MM" if big_endian else b"II") + struct.pack(e + "HI", 42, 0)
        next_pointer = 4
    for page in pages:
        data = page.astype(page.dtype.newbyteorder(e)).tobytes()
        pieces = []
        if tile:
            padded = np.zeros((tile * -(-H // tile), tile * -(-W // tile)), dtype=page.dtype.newbyteorder(e))
            padded[:H, :W] = page
            for r in range(0, padded.shape[0], tile):
                for c in range(0, padded.shape[1], tile):
                    pieces.append(padded[r:r + tile, c:c + tile].tobytes())
        else:
            rows = rows_per_strip or H
            row_bytes = W * page.dtype.itemsize
            pieces = [data[i * row_bytes:(i + rows) * row_bytes] for i in range(0, H, rows)]
        offsets = []
        for piece in pieces:
            offsets.append(len(out))
            out += piece
        if len(out) % 2:
            out += b"\0"
        # Arrays of more than one offset / count are stored after the directory.
        entries = [(256, 4, [W]), (257, 4, [H]), (258, 3, [bits]), (259, 3, [1]), (262, 3, [1]),
                   (277, 3, [1]), (339, 3, [sample_format])]
        if tile:
            entries += [(322, 3, [tile]), (323, 3, [tile]), (324, 4, offsets),
                        (325, 4, [len(p) for p in pieces])]
        else:
            entries += [(273, 4, offsets), (278, 4, [rows_per_strip or H]),
                        (279, 4, [len(p) for p in pieces])]
        entries.sort()
        inline = 8 if bigtiff else 4
        directory = len(out)
        extra = directory + (8 if bigtiff else 2) + entry_size * len(entries) + (8 if bigtiff else 4)
        block = bytearray(struct.pack(e + count_fmt, len(entries)))
        tail = bytearray()
        for tag, kind, values in entries:
            payload = b"".join(struct.pack(e + ("H" if kind == 3 else "I"), v) for v in values)
            block += struct.pack(e + "HH" + off_fmt, tag, kind, len(values))
            if len(payload) <= inline:
                block += payload + b"\0" * (inline - len(payload))
            else:
                block += struct.pack(e + off_fmt, extra + len(tail))
                tail += payload
        link = len(block)
        block += struct.pack(e + off_fmt, 0)
        out += block + tail
        struct.pack_into(e + off_fmt, out, next_pointer, directory)
        next_pointer = directory + link
    return bytes(out)


def tiff_seeds(rng):
    write("tiff", "valid-u16-le.tif", tiff_bytes(list(frames(3, np.uint16, rng))))
    write("tiff", "valid-u8-be.tif", tiff_bytes(list(frames(2, np.uint8, rng)), big_endian=True))
    write("tiff", "valid-i16-strips.tif", tiff_bytes(list(frames(2, np.int16, rng)), rows_per_strip=3))
    write("tiff", "valid-f32-tiles.tif", tiff_bytes(list(frames(2, np.float32, rng)), tile=16))
    write("tiff", "valid-f64-bigtiff.tif", tiff_bytes(list(frames(2, np.float64, rng)), bigtiff=True))
    good = tiff_bytes(list(frames(2, np.uint16, rng)))
    write("tiff", "damaged-truncated.tif", good[: len(good) // 2])
    looping = bytearray(good)
    first = struct.unpack_from("<I", looping, 4)[0]
    entries = struct.unpack_from("<H", looping, first)[0]
    struct.pack_into("<I", looping, first + 2 + 12 * entries, first)  # page 1 links to itself
    write("tiff", "damaged-loop.tif", bytes(looping))


# -- model -------------------------------------------------------------------------------------------

def model_seeds(rng):
    import tempfile

    import sparsevar

    runs = []
    for coupling in (0.5, -0.5):
        activity = np.zeros(2)
        run = np.empty((16, H, W), dtype=np.float32)
        for t in range(16):
            activity = 0.6 * activity + 0.3 * rng.standard_normal(2)
            activity[1] += coupling * activity[0]
            run[t] = 0.2 + 0.05 * np.arange(W)[None, :] + np.zeros((H, 1))
            run[t, 1:4, 1:4] += 0.5 + 0.2 * activity[0]
            run[t, 5:7, 5:7] += 0.5 + 0.2 * activity[1]
        runs.append(run)
    model = sparsevar.SparseVARAutoencoder(depth=2, channels=2, latent_channels=1, seed=1, p=1,
                                           window=6, epochs=1, permutations=0)
    dataset = sparsevar.FrameDataset.from_runs(runs, labels=["F", "N"])  # names: format 3
    dataset.set_run_name(0, "run_F.tif")
    model.fit(dataset, progress=False)
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "seed.svnet")
        model.save(path)
        with open(path, "rb") as f:
            good = f.read()
    model.close()
    dataset.close()
    write("model", "valid.svnet", good)
    write("model", "damaged-truncated.svnet", good[: len(good) // 2])
    flipped = bytearray(good)
    flipped[len(good) // 3] ^= 0x40
    write("model", "damaged-checksum.svnet", bytes(flipped))
    write("model", "damaged-header-only.svnet", good[:20])


def main():
    rng = np.random.default_rng(10)
    npy_seeds(rng)
    tiff_seeds(rng)
    if "--no-model" not in sys.argv:
        model_seeds(rng)


if __name__ == "__main__":
    main()
