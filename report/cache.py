"""A content-addressed store for work that is slow to redo: exported figures, rendered formats.

Every entry is addressed by the hash of everything that went into making it (its *key*), so an
entry is never stale: when an input changes, the key changes and the work is done again. The
store lives in one git-ignored folder, ``.monitor-cache/`` at the project root; deleting it is
always safe (the next build is a cold one).

Layout: ``.monitor-cache/<kind>/<key[:2]>/<key>/`` holds the entry's files and ``MANIFEST.json``
with the SHA-256 and size of each. An entry is written into ``.monitor-cache/tmp/`` first and
moved into place with one ``os.replace``, so a reader sees a complete entry or none. On every
read each file is checked against the manifest: a corrupted, truncated or half-written entry
is removed and reported as a miss (the caller rebuilds it), never used.

``prune()`` keeps the store bounded: entries beyond ``max_entries`` per kind, older than
``max_age_days`` since last use, or beyond ``max_bytes`` in total go, least recently used first.
A build and a render call ``prune_now_and_then()``: a prune when the last one is more than
``PRUNE_EVERY`` seconds ago (a prune reads every entry's manifest, ~0.07 s for the demo's
1,200 entries, at the end of every render after an edit otherwise).

``MONITOR_CACHE=off`` in the environment disables the store (every lookup is a miss, nothing
is written).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

CACHE_DIR = ".monitor-cache"
MANIFEST = "MANIFEST.json"
PRUNE_EVERY = 300  # seconds: builds and renders prune at most this often (prune_now_and_then)
PRUNE_STAMP = "last-prune"  # a file at the store's root: its time is the last prune's
FORMAT_VERSION = 1  # bump when the layout of entries changes
PACKAGE_DIR = Path(__file__).resolve().parent


def digest(*parts: object) -> str:
    """SHA-256 of the parts as canonical JSON (sorted keys, no whitespace); bytes are hashed."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, bytes):
            h.update(b"b")
            h.update(hashlib.sha256(part).digest())
        else:
            text = json.dumps(part, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_plain)
            h.update(b"j")
            h.update(hashlib.sha256(text.encode("utf-8")).digest())
    return h.hexdigest()


def _plain(value: object) -> object:
    """JSON for what json cannot write itself: dataclasses as their fields, paths as text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"__type__": type(value).__name__, **dataclasses.asdict(value)}
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    return str(value)


# The hashes of files this process read, by path: (stat signature, SHA-256). A file is hashed
# again when its device, inode, size, modification or change time differ. Only a file left
# alone for SETTLED_NS is kept: a file's times move in steps of a clock tick (~4 ms), so one
# written twice within a tick could keep its signature (git's "racy" files); no write can set
# the change time back. `monitor preview` hashes ~24 MB (figures, cache entries, inputs) on
# every rebuild otherwise, ~0.05 s.
SETTLED_NS = 2_000_000_000
_KNOWN_HASHES: dict[str, tuple[tuple[int, ...], str]] = {}
_KNOWN_MAX = 20_000


def _signature(st: os.stat_result) -> tuple[int, ...]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def file_hash(path: Path) -> str:
    name = os.fspath(path)
    before = os.stat(name)
    known = _KNOWN_HASHES.get(name)
    if known is not None and known[0] == _signature(before):
        return known[1]
    h = hashlib.sha256()
    with open(name, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    sha = h.hexdigest()
    after = os.stat(name)
    settled = time.time_ns() - max(after.st_mtime_ns, after.st_ctime_ns) > SETTLED_NS
    if settled and _signature(after) == _signature(before):
        if len(_KNOWN_HASHES) >= _KNOWN_MAX:
            _KNOWN_HASHES.clear()
        _KNOWN_HASHES[name] = (_signature(after), sha)
    return sha


def files_hash(paths: Iterable[Path], base: Path | None = None) -> str:
    """One hash of several files: their names (relative to ``base``) and contents."""
    h = hashlib.sha256()
    for p in sorted(Path(p) for p in paths):
        name = p.relative_to(base).as_posix() if base and p.is_relative_to(base) else p.name
        h.update(name.encode("utf-8") + b"\0")
        h.update((file_hash(p) if p.is_file() else "missing").encode() + b"\0")
    return h.hexdigest()


@functools.cache
def code_version(part: str = "") -> str:
    """Hash of the source of the running code: the whole package (``""``), a subpackage
    (``"render"``) or one module (``"figures.py"``). Python files and the data files beside
    them (Lua filters, templates, CSS, JS) count: they are code too."""
    target = PACKAGE_DIR / part if part else PACKAGE_DIR
    if target.is_file():
        files = [target]
    else:
        files = [
            p
            for p in target.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
        ]
    return files_hash(files, PACKAGE_DIR)


@dataclass(frozen=True)
class Entry:
    """A verified cache entry: its folder and the names of its files."""

    path: Path
    files: tuple[str, ...]

    def file(self, name: str) -> Path:
        return self.path / name

    def copy_to(self, dest: Path, name: str | None = None) -> None:
        """Copy one file (``name``) to ``dest``, or every file under the folder ``dest``."""
        if name is not None:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.path / name, dest)
            return
        for rel in self.files:
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.path / rel, target)


class Cache:
    """The store of one project (see the module docstring)."""

    def __init__(
        self,
        root: Path,
        max_bytes: int = 1 << 30,
        max_entries: int = 400,
        max_age_days: float = 30,
        enabled: bool | None = None,
    ):
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self.max_age = max_age_days * 86400
        self.enabled = os.environ.get("MONITOR_CACHE", "on") != "off" if enabled is None else enabled
        self.hits = 0
        self.misses = 0
        self.rejected: list[str] = []  # entries found corrupt and removed (kind/key)

    @classmethod
    def of_project(cls, project_root: Path) -> Cache:
        return cls(Path(project_root) / CACHE_DIR)

    def _entry_dir(self, kind: str, key: str) -> Path:
        return self.root / kind / key[:2] / key

    # -- reading ---------------------------------------------------------------------------
    def get(self, kind: str, key: str) -> Entry | None:
        """The verified entry, or None (missing, or corrupt and now removed)."""
        if not self.enabled:
            return None
        folder = self._entry_dir(kind, key)
        if not folder.is_dir():
            self.misses += 1
            return None
        entry = self._verify(folder, kind, key)
        if entry is None:
            self.rejected.append(f"{kind}/{key}")
            shutil.rmtree(folder, ignore_errors=True)
            self.misses += 1
            return None
        try:
            os.utime(folder / MANIFEST)  # last use, for pruning
        except OSError:
            pass
        self.hits += 1
        return entry

    @staticmethod
    def _verify(folder: Path, kind: str, key: str) -> Entry | None:
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            if manifest.get("version") != FORMAT_VERSION or manifest.get("key") != key:
                return None
            if manifest.get("kind") != kind:
                return None
            files = manifest["files"]
            for rel, (sha, size) in files.items():
                path = folder / rel
                if path.stat().st_size != size or file_hash(path) != sha:
                    return None
            present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
            if present != set(files) | {MANIFEST}:
                return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return Entry(folder, tuple(sorted(files)))

    # -- writing ---------------------------------------------------------------------------
    def put(self, kind: str, key: str, files: Mapping[str, Path | bytes | str]) -> Entry | None:
        """Store ``files`` ({name in the entry: source file, bytes or text}) under ``key``.

        A folder as source stores every file under it (``name/...``). Returns the entry, or
        None when the store is disabled.
        """
        if not self.enabled:
            return None
        tmp_root = self.root / "tmp"
        tmp_root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=tmp_root))
        try:
            listing: dict[str, list] = {}
            for name, source in files.items():
                for rel, target in self._write_source(tmp, name, source):
                    listing[rel] = [file_hash(target), target.stat().st_size]
            size = sum(v[1] for v in listing.values())
            manifest = {"version": FORMAT_VERSION, "kind": kind, "key": key, "bytes": size, "files": listing}
            (tmp / MANIFEST).write_text(json.dumps(manifest, sort_keys=True, indent=0), encoding="utf-8")
            final = self._entry_dir(kind, key)
            final.parent.mkdir(parents=True, exist_ok=True)
            if final.exists():
                shutil.rmtree(final, ignore_errors=True)  # a corrupt one; the new one replaces it
            try:
                os.replace(tmp, final)
            except OSError:
                if not final.is_dir():  # another writer won the race with the same content
                    raise
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return Entry(final, tuple(sorted(listing)))

    @staticmethod
    def _write_source(tmp: Path, name: str, source: Path | bytes | str):
        if isinstance(source, Path) and source.is_dir():
            for p in sorted(source.rglob("*")):
                if p.is_file():
                    inner = p.relative_to(source).as_posix()
                    rel = f"{name}/{inner}" if name else inner
                    target = tmp / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(p, target)
                    yield rel, target
            return
        target = tmp / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, Path):
            shutil.copyfile(source, target)
        elif isinstance(source, bytes):
            target.write_bytes(source)
        else:
            target.write_text(source, encoding="utf-8")
        yield name, target

    # -- pruning ---------------------------------------------------------------------------
    def entries(self) -> list[tuple[float, int, str, Path]]:
        """(last use, bytes, kind, folder) of every entry."""
        out = []
        if not self.root.is_dir():
            return out
        for kind_dir in sorted(self.root.iterdir()):
            if not kind_dir.is_dir() or kind_dir.name == "tmp":
                continue
            for manifest in kind_dir.glob(f"*/*/{MANIFEST}"):
                folder = manifest.parent
                try:
                    used = manifest.stat().st_mtime
                    size = int(json.loads(manifest.read_text(encoding="utf-8")).get("bytes", 0))
                except (OSError, ValueError, AttributeError):
                    shutil.rmtree(folder, ignore_errors=True)  # unreadable: useless
                    continue
                out.append((used, size, kind_dir.name, folder))
        return out

    def prune_now_and_then(self) -> int:
        """:meth:`prune` when the last prune is more than ``PRUNE_EVERY`` seconds ago."""
        stamp = self.root / PRUNE_STAMP
        try:
            if time.time() - stamp.stat().st_mtime < PRUNE_EVERY:
                return 0
        except OSError:
            pass  # never pruned (or no store yet)
        removed = self.prune()
        if self.root.is_dir():
            stamp.touch()
        return removed

    def prune(self) -> int:
        """Remove what is beyond the limits, least recently used first; return how many went."""
        now = time.time()
        removed = 0
        tmp_root = self.root / "tmp"
        if tmp_root.is_dir():  # half-written entries of a process that died (older than an hour)
            for stale in tmp_root.iterdir():
                try:
                    if now - stale.stat().st_mtime > 3600:
                        shutil.rmtree(stale, ignore_errors=True)
                except OSError:
                    pass
        entries = sorted(self.entries(), reverse=True)  # newest first
        keep: list[tuple[float, int, str, Path]] = []
        per_kind: dict[str, int] = {}
        total = 0
        for used, size, kind, folder in entries:
            per_kind[kind] = per_kind.get(kind, 0) + 1
            too_old = now - used > self.max_age
            if too_old or per_kind[kind] > self.max_entries or total + size > self.max_bytes:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
                continue
            total += size
            keep.append((used, size, kind, folder))
        return removed
