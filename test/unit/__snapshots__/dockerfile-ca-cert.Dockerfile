FROM python:3.11-slim
ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
COPY .edgecog/ca-cert.pem /usr/local/share/ca-certificates/edgecog-ca.crt
RUN if command -v update-ca-certificates >/dev/null 2>&1; then update-ca-certificates; else mkdir -p /etc/ssl/certs && cat /usr/local/share/ca-certificates/edgecog-ca.crt >> /etc/ssl/certs/ca-certificates.crt; fi
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt PIP_CERT=/etc/ssl/certs/ca-certificates.crt
COPY .edgecog/runtime/ /
ENV PYTHONPATH="/opt/edgecog/runtime"
COPY .edgecog/code/ /
WORKDIR /src
EXPOSE 5000
LABEL run.cog.config="{\"predict\":\"predict.py:Predictor\"}" \
      run.cog.edgecog_version="0.1.0" \
      run.cog.version="0.1.0"
CMD ["/usr/local/bin/python","-m","cog.server.http"]
