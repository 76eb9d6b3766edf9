# One image for every JobMarket service; docker-compose.yml picks the command (`jobmarket <command>`).
FROM python:3.11-slim

# Offline at run time: the models ship inside their wheels; no telemetry from MLflow or dbt.
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
    MLFLOW_DISABLE_TELEMETRY=true MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false DO_NOT_TRACK=1
WORKDIR /app

# Dependencies first, in their own layer (a code change does not reinstall torch): the CPU build of torch,
# pinned (a bare torch pulls a multi-GB CUDA build), then pyproject's dependencies at the locked versions.
COPY pyproject.toml constraints.txt ./
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0 \
 && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
      > /tmp/requirements.txt \
 && pip install -c constraints.txt -r /tmp/requirements.txt gunicorn \
 && rm /tmp/requirements.txt

# The source tree, installed in place (editable): code that finds its files relative to the repository
# (the relevance labels under bench/, the dbt/ project) then finds them under /app, not in site-packages.
COPY . .
RUN pip install --no-deps -e .

# Non-root: the code is root-owned and read-only to the services; all state lives under /data (the
# named volumes), and /mlflow holds the tracking server's artifacts.
RUN groupadd --system --gid 10001 jobmarket \
 && useradd --system --uid 10001 --gid jobmarket --create-home --home-dir /home/jobmarket \
      --shell /usr/sbin/nologin jobmarket \
 && mkdir -p /data /mlflow \
 && chown jobmarket:jobmarket /data /mlflow

# In an installed copy the warehouse's default dbt project path would be computed from the package's
# location; name the project's own dbt/ folder explicitly (read by warehouse.settings.Settings).
ENV JOBMARKET_DATA_DIR=/data WAREHOUSE_DBT_PROJECT_DIR=/app/dbt
USER 10001:10001
ENTRYPOINT ["jobmarket"]
CMD ["--help"]
