"""Writing a report folder whole or not at all, and CSV cells a spreadsheet shows but never runs.

A folder is written into a staging folder beside it and renamed into place at the end, under a
lock that a second run into the same folder finds; an interrupted or failed run leaves the
previous folder as it was and no staging folder behind.

>>> import tempfile
>>> target = Path(tempfile.mkdtemp()) / "report"
>>> with replacing_folder(target) as staging:
...     _ = (staging / "findings.json").write_text("{}")
>>> sorted(p.name for p in target.iterdir()), sorted(p.name for p in target.parent.iterdir())
(['findings.json'], ['report'])
>>> spreadsheet_safe("=HYPERLINK(\\"http://x\\")"), spreadsheet_safe("-12.5"), spreadsheet_safe("Ship")
('\\'=HYPERLINK("http://x")', "'-12.5", 'Ship')
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from o2c.errors import OutputFolderError

#: The first characters that make a spreadsheet evaluate a cell (OWASP's CSV injection rule).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A file whose presence marks a folder as a report that ``replacing_folder`` may replace whole.
REPORT_MARKER = "findings.json"
#: Every file that marks a folder as one of o2c's (a report, a comparison) that may be replaced whole.
REPORT_MARKERS = (REPORT_MARKER, "compare.json")


def spreadsheet_safe(cell: str) -> str:
    """``cell`` with a leading ``'`` when a spreadsheet would evaluate it (it starts with one of
    ``FORMULA_STARTS``), so Excel and LibreOffice show the text instead of running it."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def spreadsheet_safe_table(table: pl.DataFrame) -> pl.DataFrame:
    """``table`` with ``spreadsheet_safe`` applied to every text cell and column name.

    >>> spreadsheet_safe_table(pl.DataFrame({"a": ["=1+1", "ok"], "b": ["ok", "@x"], "n": [1, -2]})).rows()
    [("'=1+1", 'ok', 1), ('ok', "'@x", -2)]
    """
    texts = [name for name, dtype in table.schema.items() if dtype in (pl.String, pl.Categorical, pl.Enum)]
    return table.with_columns(_defused(pl.col(name).cast(pl.String)).alias(name) for name in texts).rename(
        spreadsheet_safe
    )


def _defused(text: pl.Expr) -> pl.Expr:
    risky = pl.any_horizontal(*(text.str.starts_with(start) for start in FORMULA_STARTS))
    return pl.when(risky).then(pl.lit("'") + text).otherwise(text)


def check_folder(folder: Path) -> None:
    """Raise ``OutputFolderError`` when ``folder`` cannot take a report: it is a file, sits under
    a file, or is a folder that holds files but no earlier report (which would be lost)."""
    if folder.exists() and not folder.is_dir():
        raise OutputFolderError(f"{folder} is a file, not a folder; give --out a folder.", path=folder)
    for parent in folder.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputFolderError(f"{folder} cannot be made: {parent} is a file.", path=folder)
            if not os.access(parent, os.W_OK | os.X_OK):
                raise OutputFolderError(f"{folder} cannot be made: {parent} is not writable.", path=folder)
            break
    if (
        folder.is_dir()
        and any(folder.iterdir())
        and not any((folder / marker).is_file() for marker in REPORT_MARKERS)
    ):
        shown = ", ".join(sorted(p.name for p in folder.iterdir())[:5])
        raise OutputFolderError(
            f"{folder} holds files that are not an o2c report ({shown}, ...); a report replaces its "
            "folder whole, so choose a new or empty folder.",
            path=folder,
        )


@contextlib.contextmanager
def replacing_folder(folder: str | Path) -> Iterator[Path]:
    """A staging folder to write into; on success it replaces ``folder`` in one rename.

    The staging folder lies beside ``folder`` (same file system, so the rename is atomic) and is
    removed when the block fails or is interrupted; ``folder`` then stays as it was. A lock file
    beside it makes a second run into the same folder fail at once instead of interleaving.
    """
    folder = Path(folder).absolute()
    check_folder(folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputFolderError(f"{folder.parent} cannot be made: {exc.strerror}.", path=folder) from exc
    with _locked(folder):
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.writing-", dir=folder.parent))
        try:
            yield staging
            _swap(staging, folder)
        except OSError as exc:
            raise OutputFolderError(
                f"The report could not be written to {folder}: {exc.strerror or exc} "
                f"({exc.filename or folder}); the folder was left as it was.",
                path=folder,
            ) from exc
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _swap(staging: Path, folder: Path) -> None:
    """Put ``staging`` where ``folder`` is: the old folder moves aside, the new one in, the old goes."""
    if not folder.exists():
        staging.rename(folder)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old-", dir=folder.parent))
    folder.rename(old / folder.name)
    try:
        staging.rename(folder)
    except BaseException:
        (old / folder.name).rename(folder)
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold ``.NAME.lock`` beside ``folder``; a lock left by a process that is gone is taken over."""
    lock = folder.parent / f".{folder.name}.lock"
    for _attempt in range(2):
        try:
            handle = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _holder(lock)
            if holder is not None:
                raise OutputFolderError(
                    f"Another o2c run (process {holder}) is writing {folder}; wait for it to end, or "
                    f"choose another folder. If no such run exists, delete {lock}.",
                    path=folder,
                ) from None
            lock.unlink(missing_ok=True)  # left by a run that was killed
            continue
        except OSError as exc:
            raise OutputFolderError(f"{folder.parent} is not writable: {exc.strerror}.", path=folder) from exc
        with os.fdopen(handle, "w") as file:
            file.write(str(os.getpid()))
        break
    else:
        raise OutputFolderError(f"{lock} is taken by another run starting now; try again.", path=folder)
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def _holder(lock: Path) -> int | None:
    """The process id written in ``lock`` when that process still runs; None otherwise."""
    try:
        pid = int(lock.read_text().strip())
        os.kill(pid, 0)
    except PermissionError:  # alive, another user's
        return pid
    except (OSError, ValueError):
        return None
    return pid
