FROM nvidia/cuda:12.1.1-cudnn8-devel-ubuntu22.04
ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    LD_LIBRARY_PATH="$LD_LIBRARY_PATH:/usr/lib/x86_64-linux-gnu:/usr/local/nvidia/lib64:/usr/local/nvidia/bin" \
    NVIDIA_DRIVER_CAPABILITIES=all
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked apt-get update -qq && apt-get install -qqy --no-install-recommends ca-certificates curl git && rm -rf /var/lib/apt/lists/*
COPY --from=ghcr.io/astral-sh/uv:0.9.26 /uv /usr/local/bin/uv
RUN UV_PYTHON_INSTALL_DIR=/opt/python uv venv --seed --python-preference only-managed --python 3.11 /opt/venv
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
RUN --mount=type=bind,source=.edgecog/requirements.txt,target=/tmp/edgecog-requirements.txt --mount=type=cache,target=/root/.cache/pip \
    /opt/venv/bin/python -m pip install -r /tmp/edgecog-requirements.txt
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
--extra-index-url https://download.pytorch.org/whl/cu121/
torch==2.1.0
torchvision
numpy
