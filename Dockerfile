# Alur's one image: the API (default), the worker (`python worker.py`) and migrations
# (`alembic upgrade head`) all run from it; docker-compose.yml picks the command per service.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# An unprivileged user with a fixed uid, so orchestrators can check runAsNonRoot.
RUN groupadd --system --gid 10001 alur \
    && useradd --system --uid 10001 --gid alur --create-home --home-dir /home/alur alur

WORKDIR /app

COPY pyproject.toml ./
COPY workflows/ workflows/
COPY activities/ activities/
COPY sop/ sop/
COPY db/ db/
COPY api/ api/
COPY alur/ alur/
COPY worker.py alembic.ini ./

# The code stays owned by root (read-only to the app); only the data directory is writable.
RUN pip install . \
    && rm -rf build ./*.egg-info \
    && mkdir -p /app/.alur \
    && chown alur:alur /app/.alur

USER 10001:10001

EXPOSE 8000
CMD ["uvicorn", "api.main:app", "--host", "0.0.0.0", "--port", "8000"]
