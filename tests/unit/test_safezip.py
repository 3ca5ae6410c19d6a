"""meapp.core.safezip: a zip is judged by its directory before anything is inflated, and reads stay bounded.

The hostile archives are written by hand (`craft`) so that every header field can lie; they stay small
even when they claim, or inflate to, hundreds of megabytes.
"""
from __future__ import annotations

import bz2
import functools
import io
import struct
import tracemalloc
import zipfile
import zlib
from dataclasses import dataclass, replace

import pytest

from meapp.core.safezip import DEFAULT_LIMITS, SafeZip, UnsafeZip, ZipLimits, inspect

MB = 1024 * 1024
STORED, DEFLATED, DEFLATE64, BZIP2, LZMA = 0, 8, 9, 12, 14
ODT = b"application/vnd.oasis.opendocument.text"


@dataclass(frozen=True)
class Part:
    """One entry as it will be written: `raw` is what sits in the archive, the rest is what the headers say."""

    name: str
    raw: bytes
    size: int
    crc: int
    method: int = DEFLATED
    flags: int = 0
    local_method: int | None = None  # a local header that disagrees with the central directory


def part(name: str, content: bytes = b"", method: int = DEFLATED, **changes) -> Part:
    """An honest entry; `changes` then make its headers lie (method=9 labels deflate data as deflate64)."""
    if method == STORED:
        raw = content
    elif method == BZIP2:
        raw = bz2.compress(content)
    else:
        raw = _deflate(content)
    return replace(Part(name, raw, len(content), zlib.crc32(content), method), **changes)


def _deflate(content: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(content) + compressor.flush()


@functools.cache
def bomb(name: str = "mimetype", prefix: bytes = ODT, megabytes: int = 200, filler: bytes = b" ") -> Part:
    """`prefix` then `megabytes` MB of `filler`, deflated in a few hundred KB without ever holding them.

    After a full flush deflate starts afresh, so one compressed megabyte can be repeated.
    """
    chunk = filler * MB
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(prefix + chunk[len(prefix):]) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(prefix + chunk[len(prefix):])
    for _ in range(megabytes - 1):
        crc = zlib.crc32(chunk, crc)
    return Part(name, first + block * (megabytes - 1) + b"\x03\x00", megabytes * MB, crc)


def craft(parts: list[Part], count: int | None = None) -> bytes:
    """A zip file written field by field; `count` forges the entry count of the end record."""
    body, directory = io.BytesIO(), io.BytesIO()
    for p in parts:
        name = p.name.encode("utf-8")
        flags = p.flags | 0x800
        offset = body.tell()
        body.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, flags,
                               p.method if p.local_method is None else p.local_method, 0, 0x21,
                               p.crc, len(p.raw), p.size, len(name), 0))
        body.write(name + p.raw)
        directory.write(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, flags, p.method, 0, 0x21,
                                    p.crc, len(p.raw), p.size, len(name), 0, 0, 0, 0, 0, offset))
        directory.write(name)
    entries = len(parts) if count is None else count
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, entries, entries, directory.tell(), body.tell(), 0)
    return body.getvalue() + directory.getvalue() + end


def reason(data: bytes, limits: ZipLimits = DEFAULT_LIMITS) -> str:
    with pytest.raises(UnsafeZip) as caught:
        inspect(data, limits)
    return caught.value.reason


def test_an_ordinary_zip_is_described_and_read():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", ODT, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>" * 100)
        archive.writestr("Pictures/", "")
    found = inspect(buffer.getvalue())
    assert isinstance(found, SafeZip)
    assert [e.name for e in found.entries] == ["mimetype", "content.xml", "Pictures/"]
    assert "content.xml" in found and "nothing.xml" not in found
    assert found.first.name == "mimetype" and found.entry("mimetype").method == STORED
    assert found.read_entry("mimetype", 100) == ODT
    assert found.read_entry("content.xml", 10_000) == b"<office:document-content/>" * 100
    assert found.read_head("content.xml", 8) == b"<office:"
    assert found.read_head("mimetype", 1000) == ODT


def test_reads_are_bounded_by_the_caller():
    found = inspect(craft([part("a.xml", b"x" * 5000)]))
    with pytest.raises(UnsafeZip) as caught:
        found.read_entry("a.xml", 100)
    assert caught.value.reason == "too_large" and caught.value.params["limit"] == 100
    with pytest.raises(UnsafeZip) as caught:
        found.read_entry("missing.xml", 100)
    assert caught.value.reason == "missing_entry"


@pytest.mark.parametrize("data, expected", [
    (b"", "not_a_zip"),
    (b"\x00" * 4096, "not_a_zip"),
    (b"PK\x03\x04garbage", "not_a_zip"),
    (craft([part("a", b"x")])[:-30], "not_a_zip"),
    (craft([part(f"f{i}", b"") for i in range(11)]), "too_many_entries"),
    # The end record says 1 entry; the directory holds 11: counted again after parsing.
    (craft([part(f"f{i}", b"") for i in range(11)], count=1), "too_many_entries"),
    (craft([part("/etc/passwd", b"x")]), "bad_name"),
    (craft([part("../../home/evil.sh", b"x")]), "bad_name"),
    (craft([part("word/../../evil.sh", b"x")]), "bad_name"),
    (craft([part("word\\..\\evil.sh", b"x")]), "bad_name"),
    (craft([part("C:/Windows/evil.dll", b"x")]), "bad_name"),
    (craft([part("c:evil", b"x")]), "bad_name"),
    (craft([part("a\x00.png", b"x")]), "bad_name"),
    (craft([part("", b"x")]), "bad_name"),
    (craft([part("word/document.xml", b"<a/>"), part("word/document.xml", b"<b/>")]), "duplicate_name"),
    (craft([part("word/document.xml", b"<a/>"), part("Word/Document.XML", b"<b/>")]), "duplicate_name"),
    (craft([part("a.xml", b"<a/>", flags=0x1)]), "encrypted"),
    (craft([part("a.xml", b"<a/>", flags=0x40)]), "encrypted"),
    (craft([part("a.xml", b"<a/>", method=DEFLATE64)]), "compression"),
    (craft([part("a.xml", b"<a/>", method=BZIP2)]), "compression"),
    (craft([part("a.xml", b"<a/>", method=LZMA)]), "compression"),
    (craft([part("a.xml", b"<a/>", local_method=DEFLATE64)]), "corrupt"),
    (craft([part("a.xml", b"<a/>", method=STORED, size=2)]), "corrupt"),
    (craft([part("a.xml", b"<a/>", size=11 * MB)]), "too_large"),
    (craft([part("a.xml", b"<a/>", size=6 * MB), part("b.xml", b"<b/>", size=6 * MB)]), "too_large"),
    (craft([part("a.xml", b"<a/>", size=9 * MB)]), "ratio"),
])
def test_the_directory_is_judged_before_any_read(data, expected):
    limits = ZipLimits(max_entries=10, max_entry_size=10 * MB, max_total_size=10 * MB, ratio_threshold=8 * MB)
    assert reason(data, limits) == expected


def test_overlapping_entries_are_refused():
    # An entry whose data runs over the next one: the "better zip bomb" reuses data this way.
    first = part("a.xml", b"<a/>" * 50)
    data = craft([first, part("b.xml", b"<b/>")])
    directory = data.index(b"PK\x01\x02")
    forged = data[:directory + 20] + struct.pack("<L", len(first.raw) + 30) + data[directory + 24:]
    assert reason(forged) == "overlap"
    # ... or past the start of the central directory.
    data = craft([first])
    directory = data.index(b"PK\x01\x02")
    assert reason(data[:directory + 20] + struct.pack("<L", len(first.raw) + 60) + data[directory + 24:]) == "overlap"


def zip64(data: bytes, count: int | None = None) -> bytes:
    """The same archive with a zip64 end record (whose entry count can be forged) before the end record."""
    end = data.rindex(b"PK\x05\x06")
    _, _, _, entries, _, size, offset, _ = struct.unpack("<4s4H2LH", data[end:end + 22])
    count = entries if count is None else count
    record = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, size, offset)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, end, 1)
    end_record = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return data[:end] + record + locator + end_record


def test_zip64_end_records_are_read():
    data = zip64(craft([part("a.xml", b"<a/>"), part("b.xml", b"<b/>")]))
    found = inspect(data)
    assert [e.name for e in found.entries] == ["a.xml", "b.xml"] and found.read_entry("b.xml", 10) == b"<b/>"
    assert reason(zip64(craft([part("a.xml", b"<a/>")]), count=5000)) == "too_many_entries"


def test_the_odt_bomb_is_refused_from_its_directory_in_bounded_memory():
    data = craft([bomb(), part("META-INF/manifest.xml", b"<manifest/>")])
    assert len(data) < 300_000
    tracemalloc.start()
    try:
        assert reason(data) in ("ratio", "too_large")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * MB


def test_a_bomb_under_a_forged_small_size_is_read_in_bounded_memory():
    honest = bomb()
    forged = replace(honest, size=len(ODT), crc=zlib.crc32(ODT))
    found = inspect(craft([forged]))  # the directory looks harmless: 39 bytes
    tracemalloc.start()
    try:
        with pytest.raises(UnsafeZip) as caught:
            found.read_entry("mimetype", 100)
        assert caught.value.reason == "corrupt"
        with pytest.raises(UnsafeZip):
            found.read_head("mimetype", 64 * 1024)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * MB


@pytest.mark.parametrize("changes", [
    {"crc": 12345},               # wrong checksum
    {"size": 3},                  # declares fewer bytes than it holds
    {"size": 400},                # declares more bytes than it holds
    {"raw": b"\xff\xff\xff\xff"},  # not deflate at all
])
def test_lying_entries_are_refused_when_read(changes):
    found = inspect(craft([part("a.xml", b"<a>" + b"x" * 200 + b"</a>", **changes)]))
    with pytest.raises(UnsafeZip) as caught:
        found.read_entry("a.xml", 1000)
    assert caught.value.reason == "corrupt"


def test_the_limits_are_parameters():
    data = craft([part(f"f{i}", b"x") for i in range(5)])
    assert len(inspect(data, ZipLimits(max_entries=5)).entries) == 5
    assert reason(data, ZipLimits(max_entries=4)) == "too_many_entries"
    big = craft([part("a.xml", b"a" * (3 * MB))])  # ratio about 1000 but under the threshold set below
    assert inspect(big, ZipLimits(ratio_threshold=4 * MB)).entry("a.xml").size == 3 * MB
    assert reason(big) == "ratio"


def test_refusals_carry_their_parameters():
    with pytest.raises(UnsafeZip) as caught:
        inspect(craft([part("../x", b"x")]))
    assert caught.value.params == {"name": "../x"} and "bad_name" in str(caught.value)
