"""Shared fixtures for the cross-language oracle tests: where the engine jar, Java 25 and ../shared are."""
import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = (ROOT / ".." / "shared").resolve()
JAVA_HOME = os.environ.get("JAVA_HOME_25", "/usr/lib/jvm/temurin-25-jdk-amd64")
JAR = ROOT / "target" / "engine.jar"
# Tests run the engine with its NaN/Inf check on (Model.CHECK_FINITE_DEFAULT): a non-finite activation fails loudly.
os.environ.setdefault("SAIF_ENGINE_CHECK_FINITE", "true")
JVM_FLAGS = ["--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
             "--sun-misc-unsafe-memory-access=allow"]


def engine_cmd(*args):
    return [f"{JAVA_HOME}/bin/java", *JVM_FLAGS, "-cp", str(JAR), "org.saifengine.cli.Main", *map(str, args)]


def run_engine(*args, check=True, timeout=600, input=None):
    """Runs an engine command; returns the CompletedProcess (text mode)."""
    if not JAR.exists():
        pytest.fail(f"{JAR} is missing: build it first with 'mvn package -DskipTests'")
    p = subprocess.run(engine_cmd(*args), capture_output=True, text=True, timeout=timeout, input=input)
    if check and p.returncode != 0:
        raise AssertionError(f"engine {' '.join(map(str, args))} failed ({p.returncode}):\n{p.stderr}")
    return p


def run_engine_json(*args, **kw):
    return json.loads(run_engine(*args, **kw).stdout)


@pytest.fixture(scope="session")
def shared():
    if not SHARED.is_dir():
        pytest.skip("../shared is absent: oracle tests need the shared models")
    return SHARED


@pytest.fixture(scope="session")
def default_gguf():
    """The default model's GGUF, fetched once into the cache by scripts/fetch-default-model (offline-safe)."""
    p = subprocess.run([str(ROOT / "scripts" / "fetch-default-model")], capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip("default model unavailable (scripts/fetch-default-model failed): " + p.stderr.strip()[-300:])
    return pathlib.Path(p.stdout.strip().splitlines()[-1])
