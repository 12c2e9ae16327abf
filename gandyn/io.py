"""Output files that are either the old version or the complete new one, never half-written.

Every file gandyn writes goes through :func:`atomic_write` (or :func:`atomic_open`): the bytes go
to a hidden temporary file in the *same folder* (``.<name>.<random>.tmp<ext>``), which is flushed
and ``fsync``-ed and then renamed over the final name with ``os.replace``. A rename within one
file system is atomic on POSIX (and on Windows for ``os.replace``), so a reader, a crash, a
``kill -9`` or a full disk leaves either the previous file or the complete new one under the
final name, never a truncated one. The folder is ``fsync``-ed after the rename so that the new
name survives a power cut. The temporary files in flight are listed in this module, so that the
command line's exit on Ctrl-C or SIGTERM removes them (:func:`remove_temporaries`); only a
``kill -9`` can leave one behind, and nothing ever renames it. Several files that belong
together (``atlas.md`` and ``atlas.json``) go through :func:`atomic_write_many`: all are
written before any is renamed, so a failure leaves every old file in place.

Errors a user can cause (an ``--out`` that is an existing file, unwritable, empty or too long,
a full disk) become :class:`OutputError`, a ``ValueError`` with a one-line message naming the
path; the CLI prints it and exits 2.

    >>> atomic_write("out/atlas.json", json.dumps(obj))                  # text
    >>> atomic_write("out/fig.png", lambda tmp: fig.savefig(tmp, dpi=110))  # a writer callback
    >>> with atomic_open("out/table.md") as fh:
    ...     fh.write(text)
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable

__all__ = ["OutputError", "atomic_open", "atomic_write", "atomic_write_many",
           "ensure_writable_output", "finite_json", "remove_temporaries"]

_NAME_MAX = 255  # bytes of one path component (ext4, xfs, btrfs, apfs, ntfs)
_PATH_MAX = 4096  # bytes of a whole path (Linux)

_REASONS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "read-only file system",
    errno.ENAMETOOLONG: "name too long",
    errno.EISDIR: "it is a folder",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.ENOENT: "no such folder",
    errno.EPIPE: "the reader has gone (broken pipe)",
}


class OutputError(ValueError):
    """An output path that cannot be written (one-line message naming the path and why)."""


def reason(e: OSError) -> str:
    """Why an OS call failed, in a few words (``no space left on the device``)."""
    return _REASONS.get(e.errno) or (e.strerror or str(e))


def _error(path, e: OSError, what="cannot write") -> OutputError:
    return OutputError(" ".join(f"{what} {os.fsdecode(path)!r}: {reason(e)}".split()))


def _check_name(path) -> str:
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise OutputError(f"output path must be a string, got {type(path).__name__}")
    path = os.fsdecode(os.fspath(path))
    if not path.strip():
        raise OutputError("output path is empty")
    if "\0" in path:
        raise OutputError(f"output path {path[:60]!r} contains a NUL byte")
    raw = os.fsencode(path)
    if len(raw) > _PATH_MAX:
        raise OutputError(f"output path {path[:40]!r}... is {len(raw)} bytes long; the limit is "
                          f"{_PATH_MAX}")
    for part in raw.split(b"/"):
        if len(part) > _NAME_MAX:
            raise OutputError(f"output path component {os.fsdecode(part)[:40]!r}... is "
                              f"{len(part)} bytes long; the limit is {_NAME_MAX}")
    return path


def ensure_writable_output(path, *, folder: bool = True) -> str:
    """Check (and for a folder, create) an output location before any work is done.

    ``folder=True`` (the ``--out DIR`` of ``atlas``, ``figures``, ``bench``): ``path`` must be
    an existing or creatable folder in which a file can be created (probed by creating and
    removing a hidden temporary file, which also catches read-only mounts and full disks).
    ``folder=False``: ``path`` is a file to be (over)written; its folder is checked the same
    way and ``path`` itself must not be a folder. Returns ``path`` as ``str``.

    Raises:
      OutputError: empty, too long, an existing file where a folder is needed (or the
        reverse), not creatable, not writable, or no space left.
    """
    path = _check_name(path)
    where = path if folder else (os.path.dirname(path) or ".")
    if folder and os.path.exists(path) and not os.path.isdir(path):
        raise OutputError(f"--out {path!r} is an existing file, not a folder")
    if not folder and os.path.isdir(path):
        raise OutputError(f"output file {path!r} is an existing folder")
    try:
        os.makedirs(where, exist_ok=True)
    except OSError as e:
        if e.errno == errno.EEXIST or (os.path.exists(where) and not os.path.isdir(where)):
            raise OutputError(f"cannot create folder {where!r}: a part of it is an existing "
                              "file") from None
        raise _error(where, e, "cannot create folder") from None
    try:
        fd, probe = tempfile.mkstemp(dir=where, prefix=".gandyn-probe.")
        os.close(fd)
        os.remove(probe)
    except OSError as e:
        raise _error(where, e, "cannot write in folder") from None
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(folder: str) -> None:
    with contextlib.suppress(OSError):  # not every platform/file system can open a folder
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


#: hidden temporary files that exist right now (created, not yet renamed or removed)
_LIVE: set[str] = set()


def remove_temporaries() -> int:
    """Remove every temporary file this process has in flight; returns how many. Called by
    the command line's exit path on Ctrl-C and SIGTERM, which may end the process without
    unwinding (an exit from another thread while XLA holds the main one)."""
    n = 0
    for tmp in list(_LIVE):
        with contextlib.suppress(OSError):
            os.remove(tmp)
            n += 1
        _LIVE.discard(tmp)
    return n


def _temp_in(path: str) -> str:
    folder, base = os.path.split(os.path.abspath(path))
    stem, ext = os.path.splitext(base)
    # the extension stays last so that writers that infer the format from it (savefig) agree
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{stem[:100]}.", suffix=f".tmp{ext[:20]}")
    _LIVE.add(tmp)
    os.close(fd)
    return tmp


def _discard(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(tmp)
    _LIVE.discard(tmp)


def _fsync_file(tmp: str) -> None:
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())


def _commit(tmp: str, path: str) -> None:
    _fsync_file(tmp)
    try:
        mode = os.stat(path).st_mode & 0o7777  # keep an existing file's permissions
    except OSError:
        mode = 0o666 & ~_umask()
    os.chmod(tmp, mode)
    os.replace(tmp, path)
    _LIVE.discard(tmp)
    _fsync_dir(os.path.dirname(os.path.abspath(path)))


@contextlib.contextmanager
def _temporary_for(path):
    """A hidden temporary name beside ``path``, removed at the end unless it was renamed
    (:func:`_commit`) in the block; an ``OSError`` in the block becomes an OutputError."""
    path = _check_name(path)
    if os.path.isdir(path):
        raise OutputError(f"cannot write {path!r}: it is a folder")
    try:
        tmp = _temp_in(path)
    except OSError as e:
        raise _error(path, e) from None
    try:
        yield tmp
    except OSError as e:
        raise _error(path, e) from None
    finally:
        if tmp in _LIVE:
            _discard(tmp)


@contextlib.contextmanager
def _replacing(path):
    with _temporary_for(path) as tmp:
        yield tmp
        _commit(tmp, path)


def _write_to(tmp: str, data, encoding: str) -> None:
    if callable(data):
        data(tmp)
    else:
        raw = data.encode(encoding) if isinstance(data, str) else bytes(data)
        with open(tmp, "wb") as fh:
            fh.write(raw)


def atomic_write(path, data: str | bytes | Callable[[str], object], *,
                 encoding: str = "utf-8") -> str:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, then rename).

    Args:
      path: the final file name (its folder must exist).
      data: ``str`` (written with ``encoding``), ``bytes``, or a callback ``write(tmp_path)``
        that writes the whole file at ``tmp_path`` itself (e.g. ``fig.savefig``; ``tmp_path``
        ends in the same extension as ``path``).

    Returns:
      ``path``. On any failure (an exception in the callback, a full disk, a signal) the
      previous file at ``path`` is untouched and the temporary file is removed.

    Raises:
      OutputError: the file cannot be written (one line: path and reason).
    """
    with _replacing(path) as tmp:
        _write_to(tmp, data, encoding)
    return os.fsdecode(os.fspath(path))


def atomic_write_many(files: dict, *, encoding: str = "utf-8") -> list:
    """Write several files as a unit: ``{path: data}`` (``data`` as in :func:`atomic_write`).

    Every file is written to its temporary name (and ``fsync``-ed) before the first rename, so
    an error or a signal while writing leaves all the old files in place and no temporary file.
    The renames that follow cannot fail for lack of space and take microseconds. Returns the
    paths in order.

    Raises:
      OutputError: a file cannot be written (one line: path and reason).
    """
    with contextlib.ExitStack() as stack:
        temps = [stack.enter_context(_temporary_for(p)) for p in files]
        for tmp, data in zip(temps, files.values()):
            _write_to(tmp, data, encoding)
            _fsync_file(tmp)  # a late ENOSPC (some file systems report it here) before any rename
        for tmp, p in zip(temps, files):
            _commit(tmp, p)
    return [os.fsdecode(os.fspath(p)) for p in files]


@contextlib.contextmanager
def atomic_open(path, mode: str = "w", *, encoding: str | None = "utf-8"):
    """``with atomic_open(path) as fh: ...``: a file object on a temporary name, renamed over
    ``path`` when the block ends without an exception (discarded otherwise)."""
    if mode not in ("w", "wb", "wt"):
        raise ValueError(f"atomic_open writes whole files: mode must be 'w' or 'wb', got {mode!r}")
    with _replacing(path) as tmp:
        with open(tmp, mode, encoding=None if "b" in mode else encoding) as fh:
            yield fh


def finite_json(obj):
    """``(clean, n)``: ``obj`` (dicts, lists, tuples, numbers) with every non-finite float
    replaced by ``None`` and ``n`` the number replaced, so that ``json.dumps(clean,
    allow_nan=False)`` succeeds (strict JSON has no NaN or Infinity)."""
    import math

    count = 0

    def walk(x):
        nonlocal count
        if isinstance(x, dict):
            return {k: walk(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [walk(v) for v in x]
        if isinstance(x, complex):
            return [walk(x.real), walk(x.imag)]
        if isinstance(x, float) and not math.isfinite(x):
            count += 1
            return None
        if hasattr(x, "dtype") and hasattr(x, "tolist"):  # numpy scalars and arrays
            return walk(x.tolist())
        return x

    clean = walk(obj)
    return clean, count
