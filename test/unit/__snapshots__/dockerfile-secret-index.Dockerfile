FROM python:3.11-slim
ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
RUN --mount=type=bind,source=.edgecog/requirements.txt,target=/tmp/edgecog-requirements.txt --mount=type=cache,target=/root/.cache/pip --mount=type=secret,id=pip-index \
    test -s /run/secrets/pip-index || { echo 'edgecog: the pip-index build secret is missing' >&2; exit 1; }; PIP_INDEX_URL="$(cat /run/secrets/pip-index)" /usr/local/bin/python -m pip install -r /tmp/edgecog-requirements.txt
COPY .edgecog/runtime/ /
ENV PYTHONPATH="/opt/edgecog/runtime"
COPY .edgecog/code/ /
WORKDIR /src
EXPOSE 5000
LABEL run.cog.config="{\"predict\":\"predict.py:Predictor\"}" \
      run.cog.edgecog_version="0.1.0" \
      run.cog.version="0.1.0"
CMD ["/usr/local/bin/python","-m","cog.server.http"]
