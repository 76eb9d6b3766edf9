"""docker-compose.yml, the production stack: validated offline by docker-compose 1.29.2 (GUIDE §6), and checked
against what the project really reads (its pydantic Settings, its CLI) and the operational rules of
docs/operations.md (health checks, restart policies, private infrastructure, named volumes, non-root image).

No Docker engine is needed: ``docker-compose config`` parses, merges and interpolates the file without one.
"""

from __future__ import annotations

import fnmatch
import importlib
import os
import re
import socket
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]
from pydantic import AliasChoices, AliasPath
from pydantic_settings import BaseSettings

REPO = Path(__file__).resolve().parents[1]
COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
ENV_EXAMPLE = REPO / ".env.example"
VALIDATOR = REPO / ".venv-compose" / "bin" / "docker-compose"

# Jobs that run to completion (no healthcheck: there is nothing to keep healthy), never restarted in a loop.
ONE_SHOT = {"topics", "dbt", "train"}
ONE_SHOT_RESTART = {"no", "on-failure"}
LONG_RUNNING_RESTART = {"always", "unless-stopped"}
# Services that must never be reachable from outside the host: no port, or loopback only.
PRIVATE = {"kafka", "qdrant", "postgres", "mlflow"}
# Where each stateful third-party server keeps what must survive a `docker-compose down` / host reboot.
DATA_PATHS = {"qdrant": "/qdrant/storage", "postgres": "/var/lib/postgresql/data", "mlflow": "/mlflow"}
# Services that run the project's image but a third-party program (service → that program): their
# environment is the program's own (libpq's PG* for MLflow), not the project's Settings.
THIRD_PARTY_PROGRAMS = {"mlflow": "mlflow server"}
# Dockerfile ENV read by libraries, not by the project (name → who reads it).
THIRD_PARTY_ENV = {
    "PYTHONUNBUFFERED": "python", "PYTHONDONTWRITEBYTECODE": "python", "PIP_NO_CACHE_DIR": "pip",
    "PIP_DISABLE_PIP_VERSION_CHECK": "pip", "HF_HUB_OFFLINE": "huggingface_hub",
    "TRANSFORMERS_OFFLINE": "transformers", "MLFLOW_DISABLE_TELEMETRY": "mlflow",
    "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "mlflow server", "DBT_SEND_ANONYMOUS_USAGE_STATS": "dbt",
    "DO_NOT_TRACK": "dbt",
}


# --- helpers ----------------------------------------------------------------------------------------------

def compose() -> dict[str, Any]:
    """The file as YAML (anchors and merge keys resolved, ``${...}`` left as written)."""
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def services() -> dict[str, dict[str, Any]]:
    return dict(compose()["services"])


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the "KEY=value" list form
        return {k: v for k, _, v in (str(item).partition("=") for item in env)}
    return {str(k): str(v) for k, v in env.items()}


def as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return value.split() if isinstance(value, str) else [str(v) for v in value]


def runs_project_image(service: dict[str, Any]) -> bool:
    return "build" in service or str(service.get("image", "")).startswith("jobmarket")


def project_packages() -> list[str]:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return [p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]]


def settings_modules() -> list[str]:
    """Every project module that defines a settings class (any class deriving from a ``...Settings``)."""
    pattern = re.compile(r"^class \w+\([\w.]*Settings\)\s*:", re.MULTILINE)
    found = []
    for package in project_packages():
        for path in sorted((REPO / package).rglob("*.py")):
            if pattern.search(path.read_text(encoding="utf-8")):
                found.append(".".join(path.relative_to(REPO).with_suffix("").parts))
    return found


def subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


def env_names(cls: type[BaseSettings]) -> set[str]:
    """The environment variables a settings class reads: an alias as written (pydantic-settings applies no
    prefix to it), otherwise env_prefix + field name; case-insensitive, so upper-cased."""
    prefix = str(cls.model_config.get("env_prefix", ""))
    names: set[str] = set()
    for field_name, field in cls.model_fields.items():
        alias = field.validation_alias or field.alias
        if isinstance(alias, str):
            names.add(alias)
        elif isinstance(alias, AliasChoices):
            for choice in alias.choices:
                if isinstance(choice, str):
                    names.add(choice)
                elif isinstance(choice, AliasPath) and isinstance(choice.path[0], str):
                    names.add(choice.path[0])
        elif isinstance(alias, AliasPath) and isinstance(alias.path[0], str):
            names.add(alias.path[0])
        else:
            names.add(prefix + field_name)
    return {n.upper() for n in names}


def settings_env_names() -> dict[str, str]:
    """Environment name → the settings class that reads it, over every project settings class."""
    modules = settings_modules()
    assert modules, "no settings module found: the discovery is broken"
    for module in modules:
        importlib.import_module(module)
    packages = tuple(f"{p}." for p in project_packages())
    classes = {c for c in subclasses(BaseSettings) if c.__module__.startswith(packages)}
    assert len(classes) >= len(modules)
    return {name: f"{cls.__module__}.{cls.__qualname__}" for cls in classes for name in env_names(cls)}


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for word, args in dockerfile_instructions():
        if word == "ENV":
            # Our ENV lines are KEY=value pairs without spaces in values.
            env.update((key, value) for key, _, value in (pair.partition("=") for pair in args.split()))
    return env


def dockerignored(path: str) -> bool:
    """Whether .dockerignore keeps ``path`` (relative, POSIX) out of the build context. The subset of the
    syntax this repository uses: patterns anchored at the root (a match on a directory covers what is under
    it), ``**/`` for any depth, ``!`` exceptions, the last matching line winning."""
    parts = path.split("/")
    ignored = False
    for raw in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pattern = line.lstrip("!").rstrip("/")
        if pattern.startswith("**/"):
            candidates = ["/".join(parts[i:j]) for i in range(len(parts)) for j in range(i + 1, len(parts) + 1)]
            pattern = pattern[3:]
        else:
            candidates = ["/".join(parts[:j]) for j in range(1, len(parts) + 1)]
        if any(fnmatch.fnmatchcase(c, pattern) for c in candidates):
            ignored = not line.startswith("!")
    return ignored


def interpolated_variables() -> set[str]:
    """Variables compose fills from the environment / .env: ``${NAME}``, ``${NAME:-x}``, ``${NAME:?msg}``
    (``$${...}`` is an escaped dollar for the container's shell, not interpolation)."""
    return set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)", COMPOSE_FILE.read_text(encoding="utf-8")))


def env_example() -> dict[str, str]:
    pairs = [line.split("=", 1) for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    return {k.strip(): v for k, v in pairs}


def validator() -> Path:
    if not VALIDATOR.exists():
        reason = f"the docker-compose validator is not installed ({VALIDATOR}): run `make compose-validator`"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI must have it: `make install` builds it)")
        pytest.skip(reason)
    return VALIDATOR


def run_compose(*args: str, env_file: Path) -> subprocess.CompletedProcess[str]:
    # A bare environment: the caller's own variables must not fill in what .env.example should provide.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    profiles = [a for p in sorted(profiles_in_use()) for a in ("--profile", p)]
    return subprocess.run([str(validator()), "--env-file", str(env_file), "-f", str(COMPOSE_FILE), *profiles, *args],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def profiles_in_use() -> set[str]:
    return {p for s in services().values() for p in s.get("profiles", [])}


# --- a) docker-compose itself accepts the file --------------------------------------------------------------

def test_docker_compose_config_accepts_the_file_with_the_example_env() -> None:
    result = run_compose("config", env_file=ENV_EXAMPLE)
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    # Every service of the file (all profiles enabled) survives compose's own parsing and merging.
    assert set(resolved["services"]) == set(services())
    assert not re.search(r"(?<!\$)\$\{", result.stdout)  # every variable was interpolated ($$ escapes stay)


def test_docker_compose_refuses_to_run_without_the_required_secrets(tmp_path: Path) -> None:
    empty = tmp_path / "empty.env"
    empty.write_text("", encoding="utf-8")
    result = run_compose("config", "-q", env_file=empty)
    assert result.returncode != 0
    assert re.search(r"POSTGRES_PASSWORD|API_JWT_SECRET|QDRANT_API_KEY", result.stderr), result.stderr


# --- b) every variable given to the project's image is read by some Settings ----------------------------------

def test_every_compose_variable_for_the_project_image_is_read_by_a_settings_class() -> None:
    known = settings_env_names()
    unknown: dict[str, list[str]] = {}
    checked = 0
    for name, service in services().items():
        if not runs_project_image(service):
            continue
        if name in THIRD_PARTY_PROGRAMS:
            program = " ".join(as_list(service.get("entrypoint")) + as_list(service.get("command")))
            assert THIRD_PARTY_PROGRAMS[name] in program, f"{name} no longer runs {THIRD_PARTY_PROGRAMS[name]}"
            continue
        for var in environment(service):
            checked += 1
            if var.upper() not in known:
                unknown.setdefault(var, []).append(name)
    assert checked > 20, "the compose file hardly configures the project: the parsing is broken"
    assert not unknown, f"variables no Settings class reads (variable → services): {unknown}"


def test_every_dockerfile_variable_is_read_by_a_settings_class_or_a_named_library() -> None:
    known = settings_env_names()
    env = dockerfile_env()
    unknown = sorted(k for k in env if k.upper() not in known and k not in THIRD_PARTY_ENV)
    assert not unknown, f"Dockerfile ENV read by nothing known: {unknown}"


def test_settings_discovery_sees_the_settings_named_in_the_readme() -> None:
    # Guards the check above against a discovery that finds too little (it would then flag everything).
    known = settings_env_names()
    for name in ("KAFKA_BOOTSTRAP_SERVERS", "QDRANT_URL", "DATABASE_URL", "API_JWT_SECRET", "WAREHOUSE",
                 "SNOWFLAKE_ACCOUNT", "WORKER_BATCH_SIZE", "EMBEDDING_BACKEND", "MLFLOW_TRACKING_URI",
                 "FRANCE_TRAVAIL_CLIENT_ID", "ADZUNA_APP_KEY", "WEB_API_URL", "PRODUCER_METRICS_HOST"):
        assert name in known, name


def test_env_example_lists_exactly_the_variables_compose_interpolates() -> None:
    used, listed = interpolated_variables(), set(env_example())
    assert used, "no ${...} found: the parsing is broken"
    assert not used - listed, f"missing from .env.example: {sorted(used - listed)}"
    assert not listed - used, f".env.example lists variables compose never uses: {sorted(listed - used)}"


def test_secrets_come_from_the_env_file_never_from_the_compose_file() -> None:
    secret = re.compile(r"PASSWORD|SECRET|_KEY$|TOKEN", re.IGNORECASE)
    credentials_in_url = re.compile(r"://[^/@\s]+:([^/@\s]+)@")
    offending = []
    for name, service in services().items():
        for var, value in environment(service).items():
            if secret.search(var) and value and not value.startswith("${"):
                offending.append(f"{name}.{var}")
            match = credentials_in_url.search(value)
            if match and not match.group(1).startswith("${"):
                offending.append(f"{name}.{var} (password in a URL)")
    assert not offending, offending
    ignored = (REPO / ".gitignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored or "/.env" in ignored, ".env must be git-ignored"


# --- c) structure: health, restarts, exposure, state, users ---------------------------------------------------

def test_every_service_has_a_healthcheck_or_is_a_one_shot_job() -> None:
    missing = []
    for name, service in services().items():
        check = service.get("healthcheck") or {}
        healthy = bool(check) and not check.get("disable") and as_list(check.get("test"))[:1] != ["NONE"]
        if not healthy and name not in ONE_SHOT:
            missing.append(name)
    assert not missing, f"long-running services without a healthcheck: {missing}"


def test_every_service_has_a_restart_policy_fit_for_its_kind() -> None:
    wrong = {}
    for name, service in services().items():
        restart = service.get("restart")
        allowed = ONE_SHOT_RESTART if name in ONE_SHOT else LONG_RUNNING_RESTART
        if restart not in allowed:
            wrong[name] = restart
    assert not wrong, f"restart policies (one-shot: {ONE_SHOT_RESTART}, others: {LONG_RUNNING_RESTART}): {wrong}"


def test_one_shot_jobs_run_commands_that_finish() -> None:
    for name in ONE_SHOT:
        command = as_list(services()[name].get("command"))
        assert "--follow" not in command and "--every" not in command, f"{name} would never finish: {command}"


def test_healthcheck_scripts_are_valid_python() -> None:
    scripts = 0
    for name, service in services().items():
        test = as_list((service.get("healthcheck") or {}).get("test"))
        if "python" in test and "-c" in test:
            compile(test[test.index("-c") + 1], f"{name} healthcheck", "exec")
            scripts += 1
    assert scripts >= 5


def published_on_all_interfaces(port: Any) -> bool:
    if isinstance(port, dict):  # long syntax
        return "published" in port and port.get("host_ip", "0.0.0.0") not in ("127.0.0.1", "::1")
    spec = str(port)
    ip = spec.rsplit(":", 2)[0] if spec.count(":") >= 2 else ""
    return ip not in ("127.0.0.1", "[::1]")


def test_infrastructure_is_never_published_on_all_interfaces() -> None:
    all_services = services()
    assert set(all_services) >= PRIVATE
    exposed = {name: all_services[name]["ports"] for name in PRIVATE
               if any(published_on_all_interfaces(p) for p in all_services[name].get("ports", []))}
    assert not exposed, f"published beyond loopback: {exposed}"


def test_the_port_check_tells_loopback_from_all_interfaces() -> None:
    assert published_on_all_interfaces("5000:5000") and published_on_all_interfaces("5000")
    assert published_on_all_interfaces("0.0.0.0:5000:5000")
    assert not published_on_all_interfaces("127.0.0.1:5000:5000")
    assert not published_on_all_interfaces({"target": 5000, "published": 5000, "host_ip": "127.0.0.1"})


def test_state_lives_in_named_volumes() -> None:
    data = compose()
    declared = set(data.get("volumes") or {})
    all_services = data["services"]
    paths = {**DATA_PATHS, "kafka": environment(all_services["kafka"])["KAFKA_LOG_DIRS"]}
    for name, path in paths.items():
        mounts = [str(v) for v in all_services[name].get("volumes", [])]
        named = [m for m in mounts if m.split(":")[1:2] == [path] and m.split(":")[0] in declared]
        assert named, f"{name}: {path} is not on a named volume ({mounts})"
    for name, service in all_services.items():
        for mount in service.get("volumes", []):
            source = str(mount).split(":")[0]
            if not source.startswith((".", "/", "~")):
                assert source in declared, f"{name} mounts undeclared volume {source}"


def test_project_services_run_real_cli_commands() -> None:
    import typer

    from jobmarket.cli import SourceName, app

    commands = set(getattr(typer.main.get_command(app), "commands", {}))
    assert {"api", "worker", "produce"} <= commands
    sources: dict[str, str] = {}
    for name, service in services().items():
        if not runs_project_image(service) or "entrypoint" in service:
            continue
        command = as_list(service.get("command"))
        assert command and command[0] in commands, f"{name}: `jobmarket {' '.join(command)}` is no command"
        if command[0] == "produce":
            source = command[command.index("--source") + 1]
            assert service.get("profiles"), f"{name}: a connector runs only when its profile is asked for"
            assert source not in sources, f"{source} has two producers: {sources[source]} and {name}"
            sources[source] = name
    assert set(sources) == {s.value for s in SourceName}, "one producer service per source"


def test_web_runs_under_gunicorn_on_the_wsgi_module() -> None:
    web = services()["web"]
    assert as_list(web.get("entrypoint")) == ["gunicorn"]
    target = as_list(web.get("command"))[-1]
    module, _, attr = target.partition(":")
    assert (REPO / Path(*module.split("."))).with_suffix(".py").is_file()
    assert re.search(rf"^{attr}\s*=", (REPO / Path(*module.split("."))).with_suffix(".py").read_text(),
                     re.MULTILINE)


def test_workers_scale_as_replicas_of_one_consumer_group() -> None:
    worker = services()["worker"]
    assert "container_name" not in worker and not worker.get("ports"), "a fixed name or host port blocks --scale"
    assert int(worker.get("deploy", {}).get("replicas", 1)) >= 2
    assert "WORKER_APP_ID" not in environment(worker)  # one group id for all replicas: the default


def test_the_image_runs_as_a_non_root_user() -> None:
    users = [args for word, args in dockerfile_instructions() if word == "USER"]
    assert users, "no USER: the image would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), f"final USER is {users[-1]}"


def test_the_image_points_dbt_at_the_projects_dbt_folder() -> None:
    instructions = dockerfile_instructions()
    workdir = [args for word, args in instructions if word == "WORKDIR"][-1]
    assert ". ." in [args for word, args in instructions if word == "COPY"], "the source tree goes to WORKDIR"
    project_dir = dockerfile_env()["WAREHOUSE_DBT_PROJECT_DIR"]
    assert project_dir == f"{workdir}/dbt"
    for path in ("dbt/dbt_project.yml", "dbt/profiles.yml", "bench/labels/relevance/queries.jsonl"):
        assert (REPO / path).is_file() and not dockerignored(path), f"{path} missing from the image"
    assert environment(services()["dbt"]).get("WAREHOUSE_DBT_PROJECT_DIR", project_dir) == project_dir
    # The variable is the one `jobmarket transform` reads: dbt is pointed at the image's copy of dbt/.
    # (A fresh interpreter in the repository: the image's own environment, not this test process's imports.)
    code = "from warehouse.settings import Settings; from warehouse.transform import dbt_paths; " \
           "print(dbt_paths(Settings())[0])"
    env = {**os.environ, "WAREHOUSE_DBT_PROJECT_DIR": project_dir}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert out.strip() == str(Path(project_dir).resolve())


def test_dockerignore_matcher_is_not_vacuous() -> None:
    assert dockerignored(".env") and dockerignored(".venv/bin/python") and dockerignored("tests/test_compose.py")
    assert dockerignored("api/__pycache__/main.cpython-311.pyc")
    assert not dockerignored(".env.example") and not dockerignored("api/main.py")


def healthcheck_script(service: str) -> str:
    test = as_list(services()[service]["healthcheck"]["test"])
    return test[test.index("-c") + 1]


def test_sample_producer_healthcheck_tells_a_ready_broker_from_a_dead_one(kafka_bootstrap: str) -> None:
    script = healthcheck_script("producer-sample")
    with socket.socket() as sock:  # a loopback port nothing listens on once closed
        sock.bind(("127.0.0.1", 0))
        dead = f"127.0.0.1:{sock.getsockname()[1]}"

    def run(bootstrap: str) -> int:
        env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap}
        return subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True,
                              timeout=60).returncode

    assert run(kafka_bootstrap) == 0  # the session's broker holds every registered topic
    assert run(dead) != 0
