# One image for every JobMarket service; docker-compose picks the command.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 HF_HUB_OFFLINE=1
COPY pyproject.toml constraints.txt README.md ./
COPY schemas schemas
COPY core core
COPY jobmarket jobmarket
COPY producers producers
COPY stream_processors stream_processors
COPY ml ml
COPY vector_index vector_index
COPY api api
COPY web web
COPY warehouse warehouse
COPY dbt dbt
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0 \
 && pip install -c constraints.txt .
ENTRYPOINT ["jobmarket"]
