# Image for docker-compose.yml: the Python package plus the front-end packages it serves.
FROM node:20-bookworm-slim AS frontend
WORKDIR /build
COPY package.json package-lock.json ./
COPY api/static/js/lint-entry.js api/static/js/lint-entry.js
COPY api/assets api/assets
# The one build step bundles bpmnlint and the designer's modelers with their properties panels
# (api/assets); dev packages are dropped afterwards.
RUN npm ci --no-audit --no-fund && npm run --silent build && npm prune --omit=dev

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY engine ./engine
COPY api ./api
RUN pip install --no-cache-dir .
COPY workflows ./workflows
COPY forms ./forms
COPY --from=frontend /build/node_modules ./node_modules
RUN useradd --system --home /var/lib/wams wams && mkdir -p /var/lib/wams && chown wams /var/lib/wams
USER wams
ENV WAMS_WORKFLOWS_PATH=/app/workflows WAMS_FORMS_PATH=/app/forms
EXPOSE 8000
CMD ["gunicorn", "-c", "python:api.gunicorn_conf", "--workers", "4", "--bind", "0.0.0.0:8000", "api.app:create_app()"]
