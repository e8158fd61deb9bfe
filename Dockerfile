FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=chatbot.settings.production CHATBOT_VAR_DIR=/var/lib/chatbot
WORKDIR /app

COPY pyproject.toml README.md ./
COPY chatbot ./chatbot
COPY conversations ./conversations
COPY training ./training
RUN pip install ".[ml]"
COPY . .
RUN useradd --system --home /app chatbot && mkdir -p /var/lib/chatbot && chown chatbot /var/lib/chatbot \
    && DJANGO_SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-0000000000 DJANGO_ALLOWED_HOSTS=build \
       python manage.py collectstatic --noinput
USER chatbot
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "chatbot.asgi:application"]
