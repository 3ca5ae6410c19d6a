"""Zip archives from strangers (office documents, workbooks), judged by their directory before anything is inflated.

`inspect` reads only the end records, the central directory and each entry's local header: entry count,
names, flags, compression methods, declared sizes and ratios are checked there. Reads that follow are
bounded by the caller's limit and by the declared size, and stop as soon as either is exceeded, so a
forged directory cannot make us inflate more than we asked for. Every failure of the zip, zlib or struct
machinery becomes one `UnsafeZip` with a reason code.
"""
from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass

MB = 1024 * 1024
STORED, DEFLATED = 0, 8
# Encrypted (0x1), "compressed patched data" (0x20), strong encryption (0x40), encrypted directory (0x2000).
_REFUSED_FLAGS = 0x1 | 0x20 | 0x40 | 0x2000
_UTF8_NAME = 0x800
# A directory entry is 46 bytes plus its name; more than this per allowed entry means names or extra fields
# nobody writes, and zipfile would build an object per entry before we could count them.
_DIRECTORY_BYTES_PER_ENTRY = 1024
_CHUNK = 64 * 1024
_END = struct.Struct("<4s4H2LH")
_END64_LOCATOR = struct.Struct("<4sLQL")
_END64 = struct.Struct("<4sQ2H2L4Q")
_LOCAL = struct.Struct("<4s5H3L2H")
_ERRORS = (zipfile.BadZipFile, zlib.error, struct.error, EOFError, NotImplementedError, RuntimeError,
           ValueError, OSError)
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class ZipLimits:
    """What an archive may declare. The defaults suit office documents of a few MB."""

    max_entries: int = 1000
    max_entry_size: int = 100 * MB  # declared uncompressed size of one entry
    max_total_size: int = 200 * MB  # declared uncompressed size of all entries
    max_ratio: int = 100  # uncompressed / compressed, for entries larger than ratio_threshold
    ratio_threshold: int = 1 * MB


DEFAULT_LIMITS = ZipLimits()


class UnsafeZip(Exception):
    """The archive is refused. `reason` is one of:

    not_a_zip, too_many_entries, bad_name, duplicate_name, encrypted, compression, too_large, ratio,
    overlap, corrupt (records that contradict each other or the data), missing_entry; and for
    `inspect_workbook`: not_a_workbook, macro (a VBA project or an embedded object), external_link
    (links to other workbooks or data connections), doctype (XML with a DTD or entity declarations).
    """

    def __init__(self, reason: str, **params):
        super().__init__(f"{reason} {params}" if params else reason)
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class Entry:
    name: str
    size: int  # declared uncompressed size
    compressed_size: int
    method: int
    crc: int
    offset: int  # of the local header
    data_start: int

    @property
    def data_end(self) -> int:
        return self.data_start + self.compressed_size

    @property
    def is_dir(self) -> bool:
        return self.name.endswith("/")


class SafeZip:
    """An archive whose directory passed `inspect`; its entries are read with bounded sizes only."""

    def __init__(self, data: bytes, entries: tuple[Entry, ...]):
        self._data = memoryview(data)
        self.entries = entries  # in central directory order
        self._by_name = {e.name: e for e in entries}

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    @property
    def names(self) -> list[str]:
        return [e.name for e in self.entries]

    @property
    def first(self) -> Entry | None:
        """The entry stored first in the file (OpenDocument wants its `mimetype` there)."""
        return min(self.entries, key=lambda e: e.offset, default=None)

    def entry(self, name: str) -> Entry:
        try:
            return self._by_name[name]
        except KeyError:
            raise UnsafeZip("missing_entry", name=name) from None

    def read_entry(self, name: str, limit: int) -> bytes:
        """The whole entry, checked against its declared size and CRC; refused beyond `limit` bytes."""
        entry = self.entry(name)
        if entry.size > limit:
            raise UnsafeZip("too_large", name=name, limit=limit)
        content = self._inflate(entry, entry.size + 1)
        if len(content) != entry.size or zlib.crc32(content) != entry.crc:
            raise UnsafeZip("corrupt", name=name)
        return content

    def read_head(self, name: str, size: int) -> bytes:
        """The first `size` bytes of the entry (all of it when shorter), never inflating more than that."""
        entry = self.entry(name)
        head = self._inflate(entry, min(size, entry.size + 1))
        if len(head) > entry.size or len(head) < min(size, entry.size):
            raise UnsafeZip("corrupt", name=name)
        return head

    def _inflate(self, entry: Entry, at_most: int) -> bytes:
        """At most `at_most` bytes of the entry, inflated from 64 KB slices of its data."""
        raw = self._data[entry.data_start:entry.data_end]
        if entry.method == STORED:
            return bytes(raw[:at_most])
        inflater, pieces, produced = zlib.decompressobj(-15), [], 0
        try:
            for start in range(0, len(raw), _CHUNK):
                pending = raw[start:start + _CHUNK]
                while pending and produced < at_most and not inflater.eof:
                    piece = inflater.decompress(pending, at_most - produced)
                    if not piece and len(inflater.unconsumed_tail) == len(pending):
                        break  # no progress: a damaged stream
                    pieces.append(piece)
                    produced += len(piece)
                    pending = inflater.unconsumed_tail
                if produced >= at_most or inflater.eof:
                    break
        except zlib.error as error:
            raise UnsafeZip("corrupt", name=entry.name) from error
        return b"".join(pieces)


def inspect(data: bytes, limits: ZipLimits = DEFAULT_LIMITS) -> SafeZip:
    """The archive's entries, once its directory is found sound; raises UnsafeZip otherwise."""
    count, directory_size, directory_start = _end_records(data)
    if count > limits.max_entries or directory_size > limits.max_entries * _DIRECTORY_BYTES_PER_ENTRY:
        raise UnsafeZip("too_many_entries", limit=limits.max_entries)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except _ERRORS as error:
        raise UnsafeZip("not_a_zip") from error
    if len(infos) > limits.max_entries:  # the end record's count can lie
        raise UnsafeZip("too_many_entries", limit=limits.max_entries)
    seen, total, entries = set(), 0, []
    for info in infos:
        name = info.orig_filename  # before zipfile cuts it at a NUL
        if _bad_name(name):
            raise UnsafeZip("bad_name", name=name)
        if name.casefold() in seen:  # Office part names are case-insensitive
            raise UnsafeZip("duplicate_name", name=name)
        seen.add(name.casefold())
        if info.flag_bits & _REFUSED_FLAGS:
            raise UnsafeZip("encrypted", name=name)
        if info.compress_type not in (STORED, DEFLATED):
            raise UnsafeZip("compression", name=name, method=info.compress_type)
        if info.file_size > limits.max_entry_size:
            raise UnsafeZip("too_large", name=name, limit=limits.max_entry_size)
        total += info.file_size
        if total > limits.max_total_size:
            raise UnsafeZip("too_large", limit=limits.max_total_size)
        if info.file_size > limits.ratio_threshold and info.file_size > limits.max_ratio * info.compress_size:
            raise UnsafeZip("ratio", name=name, limit=limits.max_ratio)
        if info.compress_type == STORED and info.compress_size != info.file_size:
            raise UnsafeZip("corrupt", name=name)
        entries.append(_locate(data, info))
    _check_no_overlap(entries, directory_start)
    return SafeZip(data, tuple(entries))


def _bad_name(name: str) -> bool:
    return (not name or name.startswith("/") or "\\" in name or _DRIVE.match(name) is not None
            or ".." in name.split("/") or any(ord(ch) < 32 or ord(ch) == 127 for ch in name))


def _end_records(data: bytes) -> tuple[int, int, int]:
    """Entry count, size and start of the central directory, as the end records declare them.

    Found the way zipfile finds them, so that both read the same directory.
    """
    end = len(data) - _END.size
    if end < 0 or data[end:end + 4] != b"PK\x05\x06" or data[-2:] != b"\x00\x00":
        end = data.rfind(b"PK\x05\x06", max(0, len(data) - _END.size - 0xFFFF))
        if end < 0 or end + _END.size > len(data):
            raise UnsafeZip("not_a_zip")
    _, _, _, _, count, size, _, _ = _END.unpack_from(data, end)
    record = end
    locator = end - _END64_LOCATOR.size
    if locator >= 0 and data[locator:locator + 4] == b"PK\x06\x07":
        record = locator - _END64.size
        if record < 0 or data[record:record + 4] != b"PK\x06\x06":
            raise UnsafeZip("not_a_zip")
        fields = _END64.unpack_from(data, record)
        count, size = fields[7], fields[8]
    if size > record:
        raise UnsafeZip("not_a_zip")
    return count, size, record - size


def _locate(data: bytes, info: zipfile.ZipInfo) -> Entry:
    """The entry, once its local header agrees with the central directory on name, method and encryption."""
    start = info.header_offset
    if start < 0 or start + _LOCAL.size > len(data):
        raise UnsafeZip("corrupt", name=info.orig_filename)
    try:
        signature, _, flags, method, _, _, _, _, _, name_length, extra_length = _LOCAL.unpack_from(data, start)
        local_name = data[start + _LOCAL.size:start + _LOCAL.size + name_length].decode(
            "utf-8" if flags & _UTF8_NAME else "cp437")
    except _ERRORS as error:
        raise UnsafeZip("corrupt", name=info.orig_filename) from error
    if (signature != b"PK\x03\x04" or method != info.compress_type or local_name != info.orig_filename
            or (flags & _REFUSED_FLAGS) != (info.flag_bits & _REFUSED_FLAGS)):
        raise UnsafeZip("corrupt", name=info.orig_filename)
    return Entry(info.orig_filename, info.file_size, info.compress_size, info.compress_type, info.CRC, start,
                 start + _LOCAL.size + name_length + extra_length)


def _check_no_overlap(entries: list[Entry], directory_start: int) -> None:
    """Each entry's data ends before the next entry begins, and all before the central directory."""
    ordered = sorted(entries, key=lambda e: e.offset)
    for entry, following in zip(ordered, ordered[1:] + [None], strict=True):
        limit = following.offset if following is not None else directory_start
        if entry.data_end > limit:
            raise UnsafeZip("overlap", name=entry.name)


# --- Office Open XML spreadsheets ---------------------------------------------------------------------------
# An .xlsx upload of a few MB holds some twenty parts that inflate to a few tens of MB at most.
WORKBOOK_LIMITS = ZipLimits(max_entries=300, max_entry_size=60 * MB, max_total_size=120 * MB)
SPREADSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file: a VBA project, an embedded object
_XML_HEAD = 64 * 1024
_SMALL_XML = 1 * MB  # [Content_Types].xml and _rels/.rels are a few KB
# Parts that fetch data from elsewhere when the workbook is opened or recalculated.
_EXTERNAL_PARTS = ("xl/externallinks/", "xl/connections.xml")
_EXTERNAL_TYPES = ("externallink", "connections+xml")


def inspect_workbook(data: bytes, limits: ZipLimits = WORKBOOK_LIMITS) -> SafeZip:
    """An .xlsx workbook, judged before any sheet is parsed: the zip directory (`inspect`), then the few parts
    that define the package. Refused (UnsafeZip): a password-protected file (an encrypted compound file), a
    package whose main part is not a worksheet workbook (.xlsm, .docx...), a VBA project or an embedded object
    under any name, links to other workbooks or data connections, and XML declaring a DTD or entities."""
    if data.startswith(OLE_SIGNATURE):
        raise UnsafeZip("encrypted" if "EncryptedPackage".encode("utf-16-le") in data else "not_a_workbook")
    archive = inspect(data, limits)
    if "[Content_Types].xml" not in archive or "_rels/.rels" not in archive:
        raise UnsafeZip("not_a_workbook")
    types = archive.read_entry("[Content_Types].xml", _SMALL_XML)
    _check_xml(types)
    lowered = _xml_text(types).casefold()
    if "macroenabled" in lowered or "vbaproject" in lowered:
        raise UnsafeZip("macro")
    if any(word in lowered for word in _EXTERNAL_TYPES):
        raise UnsafeZip("external_link")
    for entry in archive.entries:
        name = entry.name.casefold()
        if entry.is_dir:
            continue
        if name.rsplit("/", 1)[-1] == "vbaproject.bin":
            raise UnsafeZip("macro", name=entry.name)
        if name.startswith(_EXTERNAL_PARTS):
            raise UnsafeZip("external_link", name=entry.name)
        is_xml = name.endswith((".xml", ".rels"))
        head = archive.read_head(entry.name, _XML_HEAD if is_xml else len(OLE_SIGNATURE))
        if head.startswith(OLE_SIGNATURE):
            raise UnsafeZip("macro", name=entry.name)
        if is_xml and head:
            _check_xml(head)
    if _main_part_type(archive, types) != SPREADSHEET_TYPE:
        raise UnsafeZip("not_a_workbook")
    return archive


def _main_part_type(archive: SafeZip, types: bytes) -> str | None:
    """The content type of the part the package's officeDocument relationship names."""
    from defusedxml import ElementTree  # parses only what _check_xml found free of DTDs

    try:
        relationships = archive.read_entry("_rels/.rels", _SMALL_XML)
        _check_xml(relationships)
        targets = [r.get("Target", "") for r in ElementTree.fromstring(relationships)
                   if r.tag.endswith("}Relationship") and r.get("Type", "").endswith("/officeDocument")
                   and r.get("TargetMode", "Internal") == "Internal"]
        defaults, overrides = {}, {}
        for element in ElementTree.fromstring(types):
            if element.tag.endswith("}Default"):
                defaults[element.get("Extension", "").casefold()] = element.get("ContentType")
            elif element.tag.endswith("}Override"):
                overrides[element.get("PartName", "").lstrip("/").casefold()] = element.get("ContentType")
    except (ElementTree.ParseError, ValueError, LookupError) as error:  # ValueError: defusedxml's refusals
        raise UnsafeZip("not_a_workbook") from error
    if len(targets) != 1:
        raise UnsafeZip("not_a_workbook")
    main = posixpath.normpath(targets[0].lstrip("/")).casefold()  # part names are case-insensitive
    if main not in {name.casefold() for name in archive.names}:
        raise UnsafeZip("not_a_workbook")
    return overrides.get(main) or defaults.get(main.rsplit(".", 1)[-1])


def _check_xml(head: bytes) -> None:
    """XML, without a DTD (entity expansion, external entities)."""
    text = _xml_text(head)
    if not text.lstrip().startswith("<") or "\x00" in text:
        raise UnsafeZip("not_a_workbook")
    if "<!doctype" in text.casefold() or "<!entity" in text.casefold():
        raise UnsafeZip("doctype")


def _xml_text(xml: bytes) -> str:
    """XML bytes as text, UTF-16 included (allowed in OOXML), without failing on a cut character."""
    if xml.startswith((b"\xff\xfe", b"\xfe\xff")):
        return xml.decode("utf-16", "replace")
    return xml.decode("utf-8", "replace").lstrip("\ufeff")
