"""Output file encoders used by the worker: data URIs, or uploads as Cog does them.

- async predictions on a server started with --upload-url: each file is PUT
  (raw bytes, Content-Type guessed from the name, `X-Prediction-ID`) to
  `URL/<basename>`; the output is the answer's `Location` without its query
  string (signed-URL stores put their signature there), else the PUT URL.
- blocking predictions with `output_file_prefix`: a multipart/form-data PUT to
  `prefix + basename`; the output is that URL.
- otherwise: a `data:<mime>;base64,...` URI.
"""

import os
import time
import urllib.parse

RETRY_STATUSES = (408, 429, 500, 502, 503, 504)


class FileUploadError(Exception):
    pass


def _read(path_or_file):
    """(bytes, file name) of a Path/str path or an open file object."""
    if hasattr(path_or_file, "read"):
        fh = path_or_file
        try:
            if fh.seekable():
                fh.seek(0)
        except Exception:
            pass
        data = fh.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        name = getattr(fh, "name", None)
        return data, os.path.basename(name) if isinstance(name, str) and name else "output"
    path = os.fspath(path_or_file)
    with open(path, "rb") as fh:
        return fh.read(), os.path.basename(path) or "output"


def _request(method, url, body, headers, attempts=3, timeout=15.0):
    """One HTTP request with Cog's retry policy for uploads; returns (status, headers)."""
    import http.client
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FileUploadError("invalid upload URL: " + url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    last = None
    for attempt in range(attempts):
        if attempt:
            time.sleep(0.1 * (2 ** (attempt - 1)))
        cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        conn = cls(parts.hostname, parts.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            status = resp.status
            hdrs = {k.lower(): v for k, v in resp.getheaders()}
        except (OSError, http.client.HTTPException) as exc:
            last = exc
            continue
        finally:
            conn.close()
        if status in RETRY_STATUSES:
            last = FileUploadError("%s %s answered %d" % (method, url, status))
            continue
        if status >= 400:
            raise FileUploadError("%s %s answered %d" % (method, url, status))
        return status, hdrs
    raise FileUploadError("upload to %s failed: %s" % (url, last))


def _user_agent():
    return "cog-worker/edgecog python-http.client"


def put_signed(path_or_file, endpoint, prediction_id=None):
    import mimetypes

    data, name = _read(path_or_file)
    url = (endpoint if endpoint.endswith("/") else endpoint + "/") + urllib.parse.quote(name)
    headers = {
        "Content-Type": mimetypes.guess_type(name)[0] or "application/octet-stream",
        "User-Agent": _user_agent(),
    }
    if prediction_id is not None:
        headers["X-Prediction-ID"] = str(prediction_id)
    _, hdrs = _request("PUT", url, data, headers)
    final = hdrs.get("location") or url
    return urllib.parse.urlsplit(final)._replace(query="").geturl()


def put_multipart(path_or_file, prefix):
    import mimetypes
    import uuid

    data, name = _read(path_or_file)
    url = prefix + name
    boundary = uuid.uuid4().hex
    ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    head = (
        "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\nContent-Type: %s\r\n\r\n"
        % (boundary, name.replace('"', "%22"), ctype)
    ).encode("utf-8")
    body = head + data + ("\r\n--%s--\r\n" % boundary).encode("ascii")
    headers = {"Content-Type": "multipart/form-data; boundary=" + boundary, "User-Agent": _user_agent()}
    _request("PUT", url, body, headers, attempts=1, timeout=5.0)
    return url


def make_file_encoder(upload, data_uri_encoder):
    """The file_encoder for one prediction; `upload` comes from the parent (or None)."""
    if not upload:
        return data_uri_encoder
    if upload.get("mode") == "signed":
        endpoint, pid = upload["url"], upload.get("id")

        def signed(path_or_file):
            try:
                return put_signed(path_or_file, endpoint, pid)
            except (FileNotFoundError, NotADirectoryError):
                raise
            except Exception as exc:
                raise FileUploadError("Got error trying to upload output files") from exc

        return signed
    prefix = upload["url"]
    return lambda path_or_file: put_multipart(path_or_file, prefix)
