"""File helpers shared by inputs (data:/http(s) URLs) and outputs (data URIs).

Imported lazily: only predictions that use files pay for base64/mimetypes/urllib.
"""

import base64
import os

_mimetypes_ready = False


def _mimetypes():
    """mimetypes with the extensions Cog adds (webp, webm, ... on old systems)."""
    global _mimetypes_ready  # pylint: disable=global-statement
    import mimetypes

    if not _mimetypes_ready:
        for mime, ext in (
            ("image/webp", ".webp"),
            ("image/avif", ".avif"),
            ("video/webm", ".webm"),
            ("audio/webm", ".weba"),
            ("audio/mp4", ".m4a"),
            ("audio/flac", ".flac"),
            ("audio/ogg", ".ogg"),
            ("application/x-safetensors", ".safetensors"),
        ):
            mimetypes.add_type(mime, ext, strict=False)
        _mimetypes_ready = True
    return mimetypes


def _split_data_uri(uri):
    if not uri.startswith("data:"):
        raise ValueError("not a data URI")
    try:
        header, payload = uri[5:].split(",", 1)
    except ValueError:
        raise ValueError("data URI has no comma separating the media type from the data") from None
    return header, payload


def data_uri_mime(uri):
    """The media type of a data: URI, without parameters (text/plain when absent)."""
    header, _payload = _split_data_uri(uri)
    if header.endswith(";base64"):
        header = header[: -len(";base64")]
    mime = header.split(";", 1)[0].strip().lower()
    return mime or "text/plain"


def decode_data_uri(uri):
    """Decode a data: URI (RFC 2397) like urllib's DataHandler -> (bytes, mime)."""
    from urllib.parse import unquote_to_bytes

    header, payload = _split_data_uri(uri)
    data = unquote_to_bytes(payload)
    if header.endswith(";base64"):
        # decodebytes (not b64decode) skips stray characters exactly as Cog does,
        # so malformed input yields the same binascii message.
        data = base64.decodebytes(data)
    return data, data_uri_mime(uri)


def filename_for_mime(mime):
    extension = _mimetypes().guess_extension(mime)
    return "file" + extension if extension else "file"


class DownloadError(ValueError):
    """A URL input could not be fetched; str() matches Cog's (requests') wording."""


def open_url(url, timeout=10):
    """Open an http(s) URL for reading; raise DownloadError on an HTTP error status."""
    import urllib.error
    import urllib.request

    headers = {}
    agent = os.environ.get("COG_USER_AGENT")
    if agent:
        headers["User-Agent"] = agent
    request = urllib.request.Request(url, headers=headers)
    try:
        return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - http(s) only, checked by callers
    except urllib.error.HTTPError as exc:
        exc.close()
        kind = "Client" if exc.code < 500 else "Server"
        raise DownloadError("%d %s Error: %s for url: %s" % (exc.code, kind, exc.reason, url)) from None
    except urllib.error.URLError as exc:
        raise DownloadError("could not download %s: %s" % (url, exc.reason)) from None


def guess_mime(path):
    mime, _encoding = _mimetypes().guess_type(str(path), strict=False)
    return mime or "application/octet-stream"


def data_uri_encoder(path_or_file):
    """Encode a file output as a data: URI (Cog's answer without an upload URL)."""
    if hasattr(path_or_file, "read"):
        data = path_or_file.read()
        name = getattr(path_or_file, "name", "") or ""
        if isinstance(data, str):
            data = data.encode("utf-8")
    else:
        name = str(path_or_file)
        with open(path_or_file, "rb") as handle:
            data = handle.read()
    mime = guess_mime(name) if name else "application/octet-stream"
    return "data:%s;base64,%s" % (mime, base64.b64encode(data).decode("ascii"))
