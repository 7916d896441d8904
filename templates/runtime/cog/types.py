"""Types that predictors import from cog: Input, Path, File, Secret, iterators.

Standard library only, and cheap to import: URL handling, mimetypes and
tempfile are imported inside the functions that need them.
"""

import io
import os
import pathlib
import sys

# Linux allows 255-byte names; keep room for the prefixes tempfile adds.
FILENAME_MAX_LENGTH = 200
_FILENAME_ILLEGAL_CHARS = ("\u0000", "/")

_MISSING = Ellipsis  # Cog (pydantic) uses `...` for "no default"


class ExperimentalFeatureWarning(Warning):
    """Emitted by experimental APIs such as current_scope()."""


class FieldInfo:
    """What `Input(...)` returns: the default and constraints of one input."""

    __slots__ = (
        "default",
        "description",
        "ge",
        "le",
        "min_length",
        "max_length",
        "regex",
        "choices",
        "deprecated",
    )

    def __init__(
        self,
        default=_MISSING,
        description=None,
        ge=None,
        le=None,
        min_length=None,
        max_length=None,
        regex=None,
        choices=None,
        deprecated=None,
    ):
        self.default = default
        self.description = description
        self.ge = ge
        self.le = le
        self.min_length = min_length
        self.max_length = max_length
        self.regex = regex
        self.choices = choices
        self.deprecated = deprecated

    def __repr__(self):
        parts = []
        for name in self.__slots__:
            value = getattr(self, name)
            if value is not None and not (name == "default" and value is _MISSING):
                parts.append("%s=%r" % (name, value))
        return "Input(%s)" % ", ".join(parts)


def Input(  # noqa: N802 - Cog's public name
    default=_MISSING,
    description=None,
    ge=None,
    le=None,
    min_length=None,
    max_length=None,
    regex=None,
    choices=None,
    deprecated=None,
):
    """Describe an input: default, description and constraints (like Cog's Input)."""
    return FieldInfo(
        default=default,
        description=description,
        ge=ge,
        le=le,
        min_length=min_length,
        max_length=max_length,
        regex=regex,
        choices=choices,
        deprecated=deprecated,
    )


class Secret:
    """A string that is never shown: repr/str print asterisks."""

    __slots__ = ("_secret_value",)

    def __init__(self, secret_value=""):
        self._secret_value = secret_value

    def get_secret_value(self):
        return self._secret_value

    def __str__(self):
        return "**********" if self._secret_value else ""

    def __repr__(self):
        return "Secret('%s')" % self.__str__()

    def __eq__(self, other):
        return isinstance(other, Secret) and other._secret_value == self._secret_value

    def __hash__(self):
        return hash(self._secret_value)

    def __len__(self):
        return len(self._secret_value)


def _scheme_error(value):
    scheme = _url_scheme(value)
    return ValueError(
        "'%s' is not a valid URL scheme. 'data', 'http', or 'https' is supported." % scheme
    )


def _url_scheme(value):
    from urllib.parse import urlparse

    return urlparse(value).scheme


class File(io.IOBase):
    """Deprecated: use Path instead."""

    validate_always = True

    @classmethod
    def validate(cls, value):
        if isinstance(value, io.IOBase):
            return value
        if not isinstance(value, str):
            raise ValueError("Input should be a URL string")
        scheme = _url_scheme(value)
        if scheme == "data":
            from ._files import decode_data_uri

            data, _mime = decode_data_uri(value)
            return io.BytesIO(data)
        if scheme in ("http", "https"):
            return URLFile(value)
        raise _scheme_error(value)


class Path(pathlib.PosixPath):
    """A file on disk. As an input, the client sends a data: or http(s) URL."""

    validate_always = True

    # Python < 3.12: PosixPath builds instances through _from_parts, which
    # works for subclasses without extra code.

    @classmethod
    def validate(cls, value):
        if isinstance(value, pathlib.Path):
            return value
        if not isinstance(value, str):
            raise ValueError("Input should be a URL string")
        scheme = _url_scheme(value)
        if scheme == "data":
            from ._files import decode_data_uri, filename_for_mime

            data, mime = decode_data_uri(value)
            return URLPath(source=value, filename=filename_for_mime(mime), fileobj=io.BytesIO(data))
        if scheme in ("http", "https"):
            return URLPath(source=value, filename=get_filename(value), fileobj=URLFile(value))
        raise _scheme_error(value)


class URLPath(pathlib.PosixPath):
    """A Path whose bytes still live at a URL; `convert()` writes them to disk.

    Subclasses PosixPath only to pass isinstance(x, pathlib.Path) checks.
    """

    def __new__(cls, *args, **kwargs):
        # pathlib's constructor wants path segments; this class is built from
        # keywords, so give pathlib an empty path and keep our own fields.
        if sys.version_info >= (3, 12):
            return object.__new__(cls)
        return pathlib.PosixPath.__new__(cls)

    def __init__(self, *, source, filename, fileobj=None):  # pylint: disable=super-init-not-called
        if sys.version_info >= (3, 12):
            pathlib.PosixPath.__init__(self)
        if len(filename.encode("utf-8")) > FILENAME_MAX_LENGTH:
            filename = _truncate_filename_bytes(filename, FILENAME_MAX_LENGTH)
        self.source = source
        self.filename = filename
        self.fileobj = fileobj
        self._path = None

    def convert(self, directory=None):
        """Write the bytes to a temporary file and return it as a cog.Path."""
        if self._path is None:
            import shutil
            import tempfile

            fileobj = self.fileobj if self.fileobj is not None else URLFile(self.source)
            try:
                with tempfile.NamedTemporaryFile(suffix=self.filename, delete=False, dir=directory) as dest:
                    shutil.copyfileobj(fileobj, dest)
            finally:
                if isinstance(fileobj, URLFile):
                    fileobj.close()  # release the HTTP connection now, not at GC
            self._path = Path(dest.name)
        return self._path

    def unlink(self, missing_ok=False):
        if self._path is not None:
            self._path.unlink(missing_ok=missing_ok)

    def __str__(self):
        return self.source

    def __repr__(self):
        return "URLPath(%r)" % (self.source,)

    def __fspath__(self):
        return str(self.convert())

    def __reduce__(self):
        return (_rebuild_url_path, (self.source, self.filename))


def _rebuild_url_path(source, filename):
    return URLPath(source=source, filename=filename, fileobj=None)


class URLFile(io.IOBase):
    """A read-only file object that downloads its URL on first read."""

    def __init__(self, url, filename=None):
        from urllib.parse import urlparse

        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https"):
            raise ValueError("URLFile requires URL to conform to HTTP or HTTPS protocol")
        self.url = url
        self.name = filename or os.path.basename(parsed.path)
        self._response = None

    def _open(self):
        if self._response is None:
            from ._files import open_url

            self._response = open_url(self.url)
        return self._response

    def readable(self):
        return True

    def read(self, size=-1):
        return self._open().read(size)

    def readinto(self, buffer):
        return self._open().readinto(buffer)

    def close(self):
        if self._response is not None:
            self._response.close()
        super().close()

    def __getstate__(self):
        return {"url": self.url, "name": self.name}

    def __setstate__(self, state):
        self.url = state["url"]
        self.name = state["name"]
        self._response = None

    def __repr__(self):
        return "<URLFile for %r>" % (self.url,)


def get_filename(url):
    """The file name a URL input gets on disk (Cog's rules)."""
    from urllib.parse import unquote_plus, urlparse

    parsed = urlparse(url)
    if parsed.scheme == "data":
        from ._files import data_uri_mime, filename_for_mime

        return filename_for_mime(data_uri_mime(url))
    basename = unquote_plus(os.path.basename(parsed.path))
    if len(basename.encode("utf-8")) > FILENAME_MAX_LENGTH:
        basename = _truncate_filename_bytes(basename, FILENAME_MAX_LENGTH)
    for char in _FILENAME_ILLEGAL_CHARS:
        basename = basename.replace(char, "_")
    return basename


def _truncate_filename_bytes(name, length):
    """Shorten to `length` bytes, keep the extension, mark the cut with '~'."""
    root, ext = os.path.splitext(name.encode("utf-8"))
    ext = ext.decode("utf-8").split("?")[0].encode("utf-8")
    root = root[: length - len(ext) - 1]
    return root.decode("utf-8", "ignore") + "~" + ext.decode("utf-8")


def _alias(cls, item):
    try:
        from types import GenericAlias  # Python 3.9+

        return GenericAlias(cls, item)
    except ImportError:  # pragma: no cover - Python 3.8
        import typing

        return typing._GenericAlias(cls, item if isinstance(item, tuple) else (item,))  # type: ignore


class ConcatenateIterator:
    """Output hint: an iterator of strings that clients should join together."""

    def __class_getitem__(cls, item):
        return _alias(cls, item)

    def __iter__(self):
        return self

    def __next__(self):
        raise StopIteration


class AsyncConcatenateIterator:
    """Async output hint: an async iterator of strings to be joined."""

    def __class_getitem__(cls, item):
        return _alias(cls, item)

    def __aiter__(self):
        return self

    async def __anext__(self):
        raise StopAsyncIteration


# Hooks that let user pydantic models hold cog types (no pydantic import here).
from ._pydantic_compat import install as _install_pydantic_hooks  # noqa: E402

_install_pydantic_hooks(Path, File, Secret)

# What setup(weights=...) may be annotated with.
Weights = (File, Path, str)
