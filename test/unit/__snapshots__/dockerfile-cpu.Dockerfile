FROM python:3.11-slim
ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
ENV GREETING="hello \"world\"" \
    HF_HOME="/src/.hf"
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked apt-get update -qq && apt-get install -qqy ffmpeg libgl1 && rm -rf /var/lib/apt/lists/*
RUN --mount=type=bind,source=.edgecog/requirements.txt,target=/tmp/edgecog-requirements.txt --mount=type=cache,target=/root/.cache/pip \
    /usr/local/bin/python -m pip install -r /tmp/edgecog-requirements.txt
COPY .edgecog/runtime/ /
ENV PYTHONPATH="/opt/edgecog/runtime"
COPY .edgecog/code/ /
WORKDIR /src
EXPOSE 5000
LABEL run.cog.config="{\"predict\":\"predict.py:Predictor\"}" \
      run.cog.edgecog_version="0.1.0" \
      run.cog.version="0.1.0"
CMD ["/usr/local/bin/python","-m","cog.server.http"]

# ---- .edgecog/requirements.txt ----
numpy==1.26.4
pillow==10.3.0
