FROM python:3.11-slim
ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
RUN apt-get update -qq && apt-get install -qqy curl && rm -rf /var/lib/apt/lists/*
COPY .edgecog/requirements.txt /tmp/edgecog-requirements.txt
RUN /usr/local/bin/python -m pip install --no-cache-dir -r /tmp/edgecog-requirements.txt
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
