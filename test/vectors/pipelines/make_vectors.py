"""Writes the pipeline messages' shared vectors: NAME.json (the meaning) beside NAME.cbor (the
bytes, from cbor2). In the JSON, a CBOR tag is {"$tag": N, "value": ...} and a byte string is
{"$bytes": "hex"}. Checked by test/pipeline-vectors.test.ts and python/tests/test_node_vectors.py.
Run again only when adding vectors: .venv/bin/python test/vectors/pipelines/make_vectors.py
"""
import json
import struct
from pathlib import Path

import cbor2

HERE = Path(__file__).parent
TAG = 0x67616961
F32 = struct.pack("<4f", 1.5, -2.0, 0.25, 3.0)

stats = {"frames_in": 7, "frames_out": 6, "bytes_read": 1200, "bytes_written": 900,
         "inputs": {"in": {"frames": 7, "queued": 1}},
         "outputs": {"out": {"frames": 6, "wait_ms": 1.5, "channels": {"a.out->b.in": 2}}}}

VECTORS = {
    "node-hello": {"t": "node.hello", "v": 1, "secret": "5f0c2a", "session": "s-1", "node": "asr", "pid": 4242, "runtime": "python"},
    "node-init": {"t": "node.init", "config": {"model": "small", "beam": 4}, "capacity": 100, "listen": "/run/pipes/abc/0.sock",
                  "inputs": [{"port": "audio", "channel": "session->asr.audio"}],
                  "outputs": [{"port": "text", "channels": [{"channel": "asr.text->tts.text", "path": "/run/pipes/abc/1.sock"}]}],
                  "arrays": {"dir": "/dev/shm", "prefix": "gaia-12p34-pabcn0", "accept": "gaia-12p34-pabc"}},
    "node-init-sink": {"t": "node.init", "config": None, "capacity": 8, "listen": None, "inputs": [], "outputs": [],
                       "arrays": {"dir": "/dev/shm", "prefix": "gaia-12p34-pabcn1", "accept": "gaia-12p34-pabc"}},
    "node-ready": {"t": "node.ready"},
    "node-error": {"t": "node.error", "phase": "init", "error": {"type": "ValueError", "message": "no model", "traceback": "Traceback ..."}},
    "node-start": {"t": "node.start"},
    "node-close": {"t": "node.close"},
    "node-stats": {"t": "node.stats", "stats": stats},
    "node-channel-lost": {"t": "node.channel_lost", "channel": "a.out->b.in", "reason": "the consumer closed the channel"},
    "node-closed": {"t": "node.closed", "stats": stats},
    "chan-open": {"t": "chan.open", "v": 1, "secret": "5f0c2a", "session": "s-1", "channel": "asr.text->tts.text"},
    "chan-credit": {"t": "chan.credit", "n": 100},
    "chan-frame": {"t": "chan.frame", "value": {"i": 3, "text": "héllo", "ok": True, "none": None, "list": [1, 2.5, -3]}},
    "chan-end": {"t": "chan.end"},
    "chan-refused": {"t": "fatal", "message": "wrong secret for channel asr.text->tts.text"},
    "chan-frame-array": {"t": "chan.frame", "value": {"x": cbor2.CBORTag(TAG, {"dtype": "float32", "shape": [2, 2], "data": F32})}},
    "chan-frame-shared": {"t": "chan.frame", "value": cbor2.CBORTag(TAG, {"dtype": "float32", "shape": [4194304], "file": "gaia-12p34-pabcn0o0s3", "offset": 0, "length": 16777216})},
    "chan-frame-bytes": {"t": "chan.frame", "value": [b"\x01\x02", cbor2.CBORTag(TAG, {"dtype": "bytes", "shape": [65536], "file": "gaia-12p34-pabci0s0", "offset": 0, "length": 65536})]},
}


def meaning(value):
    if isinstance(value, cbor2.CBORTag):
        return {"$tag": value.tag, "value": meaning(value.value)}
    if isinstance(value, bytes):
        return {"$bytes": value.hex()}
    if isinstance(value, dict):
        return {k: meaning(v) for k, v in value.items()}
    if isinstance(value, list):
        return [meaning(v) for v in value]
    return value


def main() -> None:
    for name, message in VECTORS.items():
        (HERE / f"{name}.json").write_text(json.dumps(meaning(message), indent=2, ensure_ascii=False) + "\n")
        (HERE / f"{name}.cbor").write_bytes(cbor2.dumps(message))


if __name__ == "__main__":
    main()
