"""The user's private cache directory, where generated modules and the simplifier's
recipes are kept, and safe reads and writes of the files in it.

The cache directory is ``$DIFFC_CACHE_DIR``, else ``$XDG_CACHE_HOME/diffc``, else
``~/.cache/diffc``; when that cannot be used, ``<tmp>/diffc-<uid>``; when neither can,
a fresh directory of this process's own (``tempfile.mkdtemp``). A directory is used
only if it is owned by this user and no one else can write to it (group and others
have no write permission); missing, it is created with mode 0700. Someone else's
directory, or one others can write to, is never used (a ``RuntimeWarning`` names it).
"""
from __future__ import annotations

import os
import stat
import tempfile
import warnings

_MAX_CACHED_FILE = 1 << 24          # bytes read back from a cached file, at most
_own_private_dir = None              # the fresh directory of the last resort, made once
_warned = set()


def _uid():
    """This process's user id (None where the platform has none: no owner to check)."""
    return os.getuid() if hasattr(os, "getuid") else None


def is_private(st):
    """Whether ``os.stat`` result ``st`` is a directory of this user's that only they can write."""
    uid = _uid()
    if not stat.S_ISDIR(st.st_mode):
        return False
    if uid is None:
        return True
    return st.st_uid == uid and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _usable(path, *, follow_links=True):
    """``path`` as a private directory of this user's (made 0700 if missing), or a reason why not."""
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        st = os.stat(path) if follow_links else os.lstat(path)
    except OSError as e:
        return f"it cannot be created ({e.strerror or e})"
    if not is_private(st):
        if stat.S_ISLNK(st.st_mode):
            return "it is a symbolic link"
        if not stat.S_ISDIR(st.st_mode):
            return "it is not a directory"
        if _uid() is not None and st.st_uid != _uid():
            return f"it belongs to another user (uid {st.st_uid})"
        return (f"others can write to it (its mode is {stat.S_IMODE(st.st_mode):o}; "
                f"if it is yours alone, `chmod go-w {path}` makes it usable)")
    if not os.access(path, os.W_OK | os.X_OK):
        return "it is not writable"
    return None


def _refuse(path, reason):
    if path not in _warned:
        _warned.add(path)
        warnings.warn(f"diffc does not use {path} as its cache: {reason}; "
                      f"generated code goes to another directory", RuntimeWarning, stacklevel=3)


def cache_dir():
    """The directory generated files go to: one this user owns and only they can write."""
    global _own_private_dir
    configured = os.environ.get("DIFFC_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "diffc")
    reason = _usable(configured)
    if reason is None:
        return configured
    if "cannot be created" not in reason and "not writable" not in reason:
        _refuse(configured, reason)          # an unwritable home is common; a foreign one is not
    uid = _uid()
    shared = os.path.join(tempfile.gettempdir(), f"diffc-{uid if uid is not None else 'user'}")
    reason = _usable(shared, follow_links=False)   # in a shared /tmp, a link may be someone's trap
    if reason is None:
        return shared
    _refuse(shared, reason)
    if _own_private_dir is None or _usable(_own_private_dir, follow_links=False) is not None:
        _own_private_dir = tempfile.mkdtemp(prefix=f"diffc-{uid if uid is not None else 'user'}-")
    return _own_private_dir


def write_atomically(path, text):
    """Write ``text`` to ``path`` so that a reader never sees a partial file."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".diffc-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_cached(path, limit=_MAX_CACHED_FILE):
    """The bytes of regular file ``path`` (at most ``limit``), or None: missing, a link, a
    FIFO or device (never opened in a way that blocks), or larger than ``limit``."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            return None
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks) if size <= limit else None
    except OSError:
        return None
    finally:
        os.close(fd)


def private_subdir(name):
    """Subdirectory ``name`` of the cache directory (made 0700), or None when it is not
    this user's alone (someone else's, or writable by others)."""
    path = os.path.join(cache_dir(), name)
    reason = _usable(path, follow_links=False)
    if reason is None:
        return path
    if "cannot be created" not in reason and "not writable" not in reason:
        _refuse(path, reason)
    return None
