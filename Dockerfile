# One image for every role: `academichub serve` (web) and `academichub worker` (poller + briefer).
FROM python:3.11-slim
WORKDIR /srv/academichub
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
RUN pip install --no-cache-dir . && useradd --create-home academichub
USER academichub
ENV ACADEMICHUB_DATA_DIR=/home/academichub/data
EXPOSE 8000
CMD ["academichub", "serve", "--host", "0.0.0.0", "--port", "8000"]
