"""Read XES (.xes, .xes.gz) with rustxes, falling back to pm4py's importer."""

from __future__ import annotations

import codecs
import contextlib
import gzip
import html
import io
import os
import re
import sys
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree
from xml.parsers import expat

import numpy as np
import polars as pl
import rustxes

from o2c import _pm4py
from o2c.errors import InputFileError
from o2c.log import SOURCE_ROW, Reason, empty_rejects

#: The XES keys of the canonical roles.
XES_ROLES = {
    "case_id": "case:concept:name",
    "activity": "concept:name",
    "timestamp": "time:timestamp",
    "resource": "org:resource",
    "lifecycle": "lifecycle:transition",
}


#: The deepest nesting of XES attribute lists and containers that is read; the parser recurses
#: into them and crashes the whole process (a segmentation fault) some thousands of levels down.
MAX_NESTING = 100
#: The longest text between two XML tags (an attribute value, mostly) that is read, in bytes; a
#: gzip of a few hundred KB can hold one value of hundreds of MB, which no event log needs.
MAX_FIELD_BYTES = 2 * 1024 * 1024


def read_xes(
    path: Path, *, max_nesting: int = MAX_NESTING, max_field_bytes: int = MAX_FIELD_BYTES
) -> tuple[pl.DataFrame, pl.DataFrame, str]:
    """The events of an XES file in file order with ``source_row`` (1 = first event), the events
    rejected, and the reader used.

    Trace attributes lose their ``case:`` prefix unless an event attribute has the same name.
    Typed timestamps are UTC. An event with a typed value that fails its type (``<float
    value="1,5">``) is rejected (``invalid_typed_value``, or ``unparseable_timestamp`` for
    ``time:timestamp``) rather than kept with the 0 or False the parser puts in its place; so is
    an event with bytes that are not UTF-8 in a file that is (``encoding_error``). What
    the parsers print is kept from the terminal; a parser's crash (a Rust panic) is an error.
    A file with a value longer than ``max_field_bytes`` or lists nested deeper than
    ``max_nesting`` is refused before the parser sees it.
    """
    scan = _check_limits(path, max_nesting=max_nesting, max_field_bytes=max_field_bytes)
    with _stderr() as printed:
        try:
            frame, _attributes = rustxes.import_xes(str(path))
            reader = "rustxes"
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as rust_error:  # plain exceptions, and a Rust panic (a BaseException)
            try:
                frame = pl.from_pandas(_pm4py.read_xes(str(path)))
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:
                said = dict.fromkeys([_explain(rust_error), _explain(exc)])  # the two may agree
                raise InputFileError(
                    f"{path.name} could not be read as XES: {'; '.join(said)}. Is it complete? A download "
                    "cut short is a common cause.",
                    path=path,
                ) from None
            reader = "pm4py"
    if scan is not None and frame.height != scan.events:
        raise InputFileError(
            f"{path.name} holds {scan.events:,} <event> elements and the XES parser read {frame.height:,}: the "
            "file is not well-formed XML where the others are, and o2c does not guess which events they "
            "were. Repair the file (an XML validator names the line), or export it again.",
            path=path,
        )
    failed = _failed_values(printed.getvalue())
    rejected = _invalid_typed_values(path, failed) if failed else empty_rejects().drop("source_file")
    if "concept:name" not in frame.columns or "case:concept:name" not in frame.columns:
        raise InputFileError(
            f"{path.name} has no events with concept:name in traces with concept:name; "
            f"attributes found: {sorted(frame.columns)}.",
            path=path,
        )
    columns = [c for c in XES_ROLES.values() if c in frame.columns]
    columns += sorted(c for c in frame.columns if c not in columns)
    # Trace attributes lose their "case:" prefix where that names no other attribute.
    taken = set(frame.columns)
    plain = {
        c: c.removeprefix("case:")
        for c in columns
        if c.startswith("case:") and c not in XES_ROLES.values() and c.removeprefix("case:") not in taken
    }
    frame = frame.rename(plain)
    columns = [plain.get(c, c) for c in columns]
    frame = (
        frame.select(columns)
        .with_row_index(SOURCE_ROW, offset=1)
        .with_columns(pl.col(SOURCE_ROW).cast(pl.Int64))
    )
    if scan is not None and not scan.utf8:
        rejected = pl.concat([rejected, _undecodable(frame)])
    if rejected.height:
        frame = frame.filter(~pl.col(SOURCE_ROW).is_in(rejected[SOURCE_ROW].implode()))
    return frame, rejected, reader


_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([^"']+)["']""")


def _undecodable(frame: pl.DataFrame) -> pl.DataFrame:
    """One reject (``encoding_error``) per event with a text value holding U+FFFD, the mark the
    parser left for bytes that are not UTF-8: the attribute and the value as read."""
    texts = [c for c, dtype in frame.schema.items() if dtype == pl.String]
    if not texts:
        return empty_rejects().drop("source_file")
    marked = pl.concat_list(
        [pl.when(pl.col(c).str.contains("\ufffd", literal=True)).then(pl.lit(c)) for c in texts]
    ).list.drop_nulls()
    found = frame.select(SOURCE_ROW, _columns=marked).filter(pl.col("_columns").list.len() > 0)
    column = pl.col("_columns").list.first()
    values = frame.select(SOURCE_ROW, *texts).join(found, on=SOURCE_ROW)
    value = pl.coalesce([pl.when(column == c).then(pl.col(c)) for c in texts])
    return values.select(SOURCE_ROW, column=column, value=value, reason=pl.lit(str(Reason.ENCODING_ERROR)))


_CLASSIFIER = re.compile(rb"<classifier\b([^>]*)>")
_XML_ATTRIBUTE = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_KEY = re.compile(r"'([^']*)'|(\S+)")
_HEADER_BYTES = 1 << 20


def declared_classifiers(path: Path) -> dict[str, list[str]]:
    r"""The classifiers the XES file declares before its first trace: name -> keys.

    Keys are separated by spaces; a key with spaces is in single quotes, as the XES standard
    writes it. A file without declarations, or one that cannot be read, gives an empty dict.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.xes"
    >>> _ = path.write_text("<log><classifier name='Activity' keys='concept:name lifecycle:transition'/>"
    ...                     "<classifier name='Team' keys=\"'org:group name' concept:name\"/><trace/></log>")
    >>> declared_classifiers(path)
    {'Activity': ['concept:name', 'lifecycle:transition'], 'Team': ['org:group name', 'concept:name']}
    """
    try:
        with _open(path) as handle:
            head = handle.read(_HEADER_BYTES)
    except (OSError, EOFError, zlib.error):
        return {}
    head = head.split(b"<trace", 1)[0]
    found: dict[str, list[str]] = {}
    for match in _CLASSIFIER.finditer(head):
        text = match.group(1).decode("utf-8", errors="replace")
        attributes = {k: html.unescape(a or b) for k, a, b in _XML_ATTRIBUTE.findall(text)}
        name, keys = attributes.get("name", "").strip(), attributes.get("keys", "")
        parsed = [quoted or plain for quoted, plain in _KEY.findall(keys)]
        if name and parsed:
            found[name] = parsed
    return found


#: What rustxes prints for a typed value that fails its type, by the XES element of that type.
_FAILURES = {
    "float": re.compile(r'^Could not parse float "(.*)": ', re.M),
    "int": re.compile(r'^Could not parse integer "(.*)": ', re.M),
    "boolean": re.compile(r'^Could not parse boolean "(.*)": ', re.M),
    "date": re.compile(r'^Failed to parse data from "(.*)"$', re.M),
}


def _failed_values(printed: str) -> dict[str, set[str]]:
    """The values the parser said fail their type, by type; empty when it said none."""
    found = {kind: set(pattern.findall(printed)) for kind, pattern in _FAILURES.items()}
    return {kind: values for kind, values in found.items() if values}


@contextlib.contextmanager
def _well_formed(path: Path) -> Iterator[None]:
    """Turns the XML error of a pass over the file into an ``InputFileError`` naming the place."""
    try:
        yield
    except ElementTree.ParseError as error:
        line, column = error.position
        raise InputFileError(
            f"{path.name} is not well-formed XML at line {line:,}, column {column + 1:,} ({str(error).split(':')[0]}); "
            "repair it, or export it again.",
            path=path,
        ) from None


def _invalid_typed_values(path: Path, failed: dict[str, set[str]]) -> pl.DataFrame:
    """The events (``source_row``, ``column``, ``value``, ``reason``) holding a value of ``failed``
    in an attribute of that type, the event's own or its trace's; one streaming pass over the file
    (expat, which expands no external entity and bounds entity growth)."""
    rows: list[tuple[int, str, str, str]] = []
    stack: list[str] = []
    event = 0
    trace_events: list[int] = []
    trace_failures: list[tuple[str, str, str]] = []
    with _open(path) as handle, _well_formed(path):
        for action, element in ElementTree.iterparse(handle, events=("start", "end")):
            tag = element.tag.rsplit("}", 1)[-1]
            if action == "start":
                stack.append(tag)
                if tag == "event" and "trace" in stack:
                    event += 1
                    trace_events.append(event)
                continue
            stack.pop()
            parent = stack[-1] if stack else ""
            if tag in failed and parent in ("event", "trace") and element.get("value") in failed[tag]:
                key, value = element.get("key", ""), element.get("value", "")
                reason = (
                    Reason.UNPARSEABLE_TIMESTAMP
                    if key == XES_ROLES["timestamp"]
                    else Reason.INVALID_TYPED_VALUE
                )
                if parent == "event":
                    rows.append((event, key, value, str(reason)))
                else:
                    trace_failures.append((f"case:{key}", value, str(reason)))
            elif tag == "trace":
                rows += [(e, *failure) for e in trace_events for failure in trace_failures]
                trace_events, trace_failures = [], []
            if tag in ("event", "trace"):
                element.clear()
    return pl.DataFrame(rows, schema={SOURCE_ROW: pl.Int64, "column": pl.String, "value": pl.String,
                                      "reason": pl.String}, orient="row")  # fmt: skip


_NESTED = ("list", "container")
_CHUNK = 1 << 24
#: Bytes after a ``<`` that the scan looks at: ``container`` and one more.
_LOOKAHEAD = 10
_LT = ord("<")
#: What may follow ``<event`` in an ``<event>`` element's tag: blanks (XML's and ``\\s``'s), ``>``, ``/``.
_AFTER_EVENT = np.frombuffer(b" \t\n\r\x0b\x0c>/", dtype=np.uint8)


class _TooDeepError(Exception):
    pass


@dataclass(frozen=True)
class _Scan:
    """What one pass over an XES file's bytes found: the ``<event>`` elements it holds, and
    whether it is valid UTF-8 where it declares UTF-8 (or nothing, which means UTF-8); the
    parser puts U+FFFD in place of bytes that are not, without a word."""

    events: int
    utf8: bool


def _check_limits(path: Path, *, max_nesting: int, max_field_bytes: int) -> _Scan | None:
    """Refuse an XES file that holds more than ``max_field_bytes`` between two tags, or whose
    attribute lists or containers nest deeper than ``max_nesting``, before the parser takes it.

    One pass over the (inflated) bytes, 16 MB at a time, finds the ``<`` of every tag (numpy)
    and from their positions the longest run without a tag, the ``<event>`` elements (for
    ``read_xes`` to check that the parser read each) and whether a ``<list`` or ``<container``
    occurs at all; only then does a second pass (expat) measure the nesting. The bytes are
    checked to be UTF-8 unless the file declares another encoding (ASCII needs no decoding).
    0.15 s for BPIC 2012's 74 MB, beside 1 s of parsing. Returns what the pass found (None: not
    readable).

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.xes"
    >>> _ = path.write_bytes(b"<log><trace><event/><event >x</event><events/></trace></log>")
    >>> _check_limits(path, max_nesting=100, max_field_bytes=1000)
    _Scan(events=2, utf8=True)
    """
    nested, events = False, 0
    offset, last_tag = 0, 0  # bytes read, and the position of the last "<" among them
    carry = b""  # the last bytes read, whose tags are looked at with the next chunk's first bytes
    decoder: codecs.IncrementalDecoder | None = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    try:
        for chunk in _inflated(path):
            if not offset:
                declared = _DECLARED_ENCODING.match(chunk.lstrip(b"\xef\xbb\xbf"))
                name = declared.group(1).decode("ascii", "replace") if declared else "utf-8"
                if name.lower().replace("_", "-") not in ("utf-8", "utf8"):
                    decoder = None  # another encoding: the parser's to decode
            if decoder is not None and utf8 and not (chunk.isascii() and not decoder.getstate()[0]):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            data = np.frombuffer(chunk, dtype=np.uint8)
            tags = np.flatnonzero(data == _LT)
            if len(chunk) >= _LOOKAHEAD:  # the carry's tags with this chunk's first bytes, then the chunk's
                found = [_tag_names(carry + chunk[:_LOOKAHEAD], len(carry))]
                found.append(_tag_names(data, len(chunk) - _LOOKAHEAD, tags))
                carry = chunk[-_LOOKAHEAD:]
            else:
                block = carry + chunk
                found = [_tag_names(block, len(block) - _LOOKAHEAD)]
                carry = block[max(0, len(block) - _LOOKAHEAD) :]
            events += sum(n for n, _ in found)
            nested = nested or any(deep for _, deep in found)
            # the longest run without a tag
            here = tags + offset
            gaps = np.diff(here, prepend=last_tag)
            if len(gaps) and gaps.max() > max_field_bytes:
                _too_long(path, int(here[int(gaps.argmax())] - gaps.max()), max_field_bytes)
            last_tag = int(here[-1]) if len(here) else last_tag
            offset += len(chunk)
            if offset - last_tag > max_field_bytes:
                _too_long(path, last_tag, max_field_bytes)
        n, deep = _tag_names(carry + bytes(_LOOKAHEAD), len(carry))  # the last bytes: nothing follows them
        events, nested = events + n, nested or deep
        if decoder is not None and utf8:
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        utf8 = False  # the file ends inside a character
    except (OSError, EOFError, zlib.error):
        return None  # not a readable (gzip) file: the parsers below say what is wrong
    if nested:
        _check_nesting(path, max_nesting)
    return _Scan(events, utf8)


def _inflated(path: Path) -> Iterator[bytes]:
    """The bytes of ``path``, a ``.gz`` file's inflated (each of its members), up to ``_CHUNK`` at
    a time; ``zlib.error`` or ``EOFError`` where a gzip is broken or cut short.

    zlib directly, without ``gzip``'s buffers and its own pass for the checksum (which zlib
    checks while inflating): a third of the time.
    """
    with path.open("rb") as raw:
        if not path.name.lower().endswith(".gz"):
            while chunk := raw.read(_CHUNK):
                yield chunk
            return
        inflater, started = zlib.decompressobj(wbits=31), False
        while compressed := raw.read(1 << 20):
            while compressed:
                if inflater.eof:  # another member follows, after any zero bytes of padding
                    compressed = compressed.lstrip(b"\x00")
                    if not compressed:
                        break
                    inflater = zlib.decompressobj(wbits=31)
                chunk, started = inflater.decompress(compressed, _CHUNK), True
                compressed = inflater.unconsumed_tail or inflater.unused_data
                if chunk:
                    yield chunk
        if started and not inflater.eof:
            raise EOFError(f"{path.name} ends inside a gzip member")


def _tag_names(data: bytes | np.ndarray, end: int, tags: np.ndarray | None = None) -> tuple[int, bool]:
    """Among the tags of ``data`` that start before ``end`` (``tags``: the positions of all its
    ``<``, when known), the ``<event>`` elements, and whether a ``<list`` or ``<container`` is one;
    ``data`` holds ``_LOOKAHEAD`` bytes after each."""
    data = np.frombuffer(data, dtype=np.uint8) if isinstance(data, bytes) else data
    tags = np.flatnonzero(data == _LT) if tags is None else tags
    looked = tags[tags < end]
    first = data[looked + 1]  # each tag's first letter, looked up once for the three names
    events = len(_named(data, looked[first == ord("e")], b"event", _AFTER_EVENT))
    nested = any(len(_named(data, looked[first == name[0]], name)) for name in (b"list", b"container"))
    return events, nested


def _named(data: np.ndarray, tags: np.ndarray, name: bytes, then: np.ndarray | None = None) -> np.ndarray:
    """The positions among ``tags`` (of ``<`` in ``data``, each followed by ``name``'s first letter)
    where ``name`` follows the ``<``, and then, when ``then`` is given, one of its bytes; ``data``
    holds ``len(name) + 1`` bytes after each."""
    for i, byte in enumerate(name[1:], 2):
        tags = tags[data[tags + i] == byte]
    if then is not None:
        tags = tags[np.isin(data[tags + len(name) + 1], then)]
    return tags


def _line_at(path: Path, offset: int) -> int:
    """The line (1 = first) of the (inflated) byte at ``offset`` of ``path``."""
    lines, read = 1, 0
    with _open(path) as handle:
        while read < offset and (chunk := handle.read(min(_CHUNK, offset - read))):
            lines += chunk.count(b"\n")
            read += len(chunk)
    return lines


def _too_long(path: Path, at: int, limit: int) -> None:
    """Refuse ``path`` for the text that runs without a tag from its byte ``at``."""
    raise InputFileError(
        f"{path.name}: the text near line {_line_at(path, at):,} runs longer than {limit:,} bytes without a tag (one "
        f"attribute value this long is broken or hostile); o2c reads values up to {limit:,} bytes. "
        "Raise the limit with max_field_bytes=... (--max-field-bytes) if the file is genuine.",
        path=path,
    )


def _check_nesting(path: Path, limit: int) -> None:
    """Refuse an XES file whose attribute lists or containers nest deeper than ``limit``."""
    depth = 0
    parser = expat.ParserCreate()

    def start(name: str, _attributes: object) -> None:
        nonlocal depth
        if name.rsplit(":", 1)[-1] in _NESTED:
            depth += 1
            if depth > limit:
                raise _TooDeepError(parser.CurrentLineNumber)

    def end(name: str) -> None:
        nonlocal depth
        if name.rsplit(":", 1)[-1] in _NESTED:
            depth -= 1

    parser.StartElementHandler, parser.EndElementHandler = start, end
    try:
        with _open(path) as handle:
            parser.ParseFile(handle)
    except _TooDeepError as deep:
        raise InputFileError(
            f"{path.name}: attribute lists or containers nest more than {limit} levels deep (line "
            f"{deep.args[0]}); o2c reads up to {limit}. A file this deep is broken or hostile; raise "
            "the limit with max_nesting=... (--max-nesting) if it is genuine.",
            path=path,
        ) from None
    except (expat.ExpatError, OSError, EOFError, zlib.error):
        return  # malformed XML: the parsers below say what is wrong


def _open(path: Path) -> gzip.GzipFile | io.BufferedReader:
    """The XES file's bytes as a stream, gzip-decompressed for ``.xes.gz``."""
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")


_PARSER_ERRORS = (
    (re.compile(r"NoTopLevelLog"), "no <log> element (not an XES file)"),
    (re.compile(r"MismatchedEndTag \{ expected: \"([^\"]*)\", found: \"([^\"]*)\""),
     r"a closing tag </\2> where </\1> belongs"),
    (re.compile(r"UnclosedTag|UnexpectedEof|[Uu]nexpected end|no element found"), "the file ends inside an element"),
)  # fmt: skip


def _explain(error: BaseException) -> str:
    """A parser's error in words where it is one we know, else its first line."""
    text = _first_line(error)
    for pattern, words in _PARSER_ERRORS:
        found = pattern.search(text)
        if found:
            return found.expand(words)
    return text


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:300] if text else type(error).__name__


@contextlib.contextmanager
def _stderr() -> Iterator[io.StringIO]:
    """What is written to the process's standard error (file descriptor 2, where Rust and C code
    print) inside the block, kept from the terminal and given back when the block ends."""
    printed = io.StringIO()
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield printed
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            printed.write(capture.read(1 << 20).decode("utf-8", errors="replace"))
