FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md ./
COPY triage ./triage
COPY workers ./workers
COPY models ./models
COPY data ./data
RUN pip install --no-cache-dir .
RUN useradd --create-home triage && chown -R triage /app
USER triage
EXPOSE 8000
CMD ["triage", "serve", "--host", "0.0.0.0", "--port", "8000"]
