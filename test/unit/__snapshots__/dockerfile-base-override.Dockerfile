FROM edgecog-base/python:3.11
ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
RUN set -e; \
    if ! command -v python3 >/dev/null 2>&1; then echo 'edgecog: the base image edgecog-base/python:3.11 has no python3; use an image with Python 3.8 or newer' >&2; exit 1; fi; \
    python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)' || { echo 'edgecog: python3 in the base image is older than 3.8' >&2; exit 1; }; \
    v="$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"; \
    if [ "$v" != "3.11" ]; then echo "edgecog: warning: cog.yaml asks for Python 3.11, the base image has Python $v" >&2; fi; \
    if [ ! -x /opt/venv/bin/python ]; then python3 -m venv --system-site-packages /opt/venv || { echo 'edgecog: could not create a virtual environment; install the venv module (python3-venv) in the base image' >&2; exit 1; }; fi
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
RUN --mount=type=bind,source=.edgecog/requirements.txt,target=/tmp/edgecog-requirements.txt --mount=type=cache,target=/root/.cache/pip \
    /opt/venv/bin/python -m pip install --index-url http://127.0.0.1:3141/simple --find-links http://127.0.0.1:3141/links/ --trusted-host 127.0.0.1 -r /tmp/edgecog-requirements.txt
COPY .edgecog/runtime/ /
ENV PYTHONPATH="/opt/edgecog/runtime"
COPY .edgecog/code/ /
WORKDIR /src
EXPOSE 5000
LABEL run.cog.config="{\"predict\":\"predict.py:Predictor\"}" \
      run.cog.edgecog_version="0.1.0" \
      run.cog.version="0.1.0"
CMD ["/opt/venv/bin/python","-m","cog.server.http"]

# ---- .edgecog/requirements.txt ----
numpy==1.26.4
