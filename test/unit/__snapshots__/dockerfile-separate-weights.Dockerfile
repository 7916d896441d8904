FROM python:3.11-slim
ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
COPY .edgecog/runtime/ /
ENV PYTHONPATH="/opt/edgecog/runtime"
# weights: "model.safetensors"
COPY .edgecog/weights/9d75c1098fc54a1f/ /
# weights: "weights/big file.bin"
COPY .edgecog/weights/04cfec3a8aefdcfa/ /
COPY .edgecog/code/ /
WORKDIR /src
EXPOSE 5000
LABEL run.cog.config="{\"predict\":\"predict.py:Predictor\"}" \
      run.cog.edgecog_version="0.1.0" \
      run.cog.version="0.1.0"
CMD ["/usr/local/bin/python","-m","cog.server.http"]
