#!/usr/bin/env bash
# Replays the Dockerfile's install steps in a clean virtual environment, so that a step the image needs and
# the Dockerfile lacks (or one that no longer works) fails CI even where no container engine can run.
#
# The builder and runtime stages' RUN steps run as written, in order, with the stages' ARG defaults and ENV
# (/opt/venv becomes a fresh venv, /src and /app a copy of the tracked files, as the build context is), except:
#   - apt-get steps (system packages): the tools they install must be on this machine instead (checked below);
#   - `python -m venv /opt/venv`: the fresh venv stands for it;
#   - the `gpu` stage (CUDA torch from an index CI cannot reach).
# pip reuses its cache and the machine's wheel folder, so a replay takes minutes, not a llama.cpp compile.
# Afterwards the environment must import what the services run: web (chatbot.serve), Celery, llama.cpp's server.
#
#   bash .ci/dockerfile_steps.sh        # CI: .ci/run
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dockerfile-steps.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
PYTHON=${PYTHON:-python3}

for tool in cc c++ cmake; do
  command -v "$tool" >/dev/null || { echo "dockerfile_steps: $tool missing (the builder stage installs build-essential and cmake)"; exit 1; }
done

# The build context: the tracked files less .dockerignore's patterns that matter here.
mkdir -p "$WORK/app"
git ls-files -z | tar --null --exclude='*.gguf' -T - -cf - | tar -xf - -C "$WORK/app"
"$PYTHON" -m venv "$WORK/venv"

# The steps, as shell lines with their environment, from the Dockerfile itself.
"$WORK/venv/bin/python" - "$ROOT/Dockerfile" "$WORK" > "$WORK/steps.sh" <<'PY'
import re
import shlex
import sys

dockerfile, work = open(sys.argv[1]).read(), sys.argv[2]
text = re.sub(r"\\\n", " ", dockerfile)  # continuation lines
lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
stage, skipped = None, []
print("set -euo pipefail")
for line in lines:
    word, _, rest = line.partition(" ")
    word = word.upper()
    if word == "FROM":
        stage = rest.split(" AS ")[-1].strip() if " AS " in rest else rest
        continue
    if stage not in ("builder", "runtime"):
        continue
    rest = rest.replace("/opt/venv", f"{work}/venv")
    if word == "ARG" and "=" in rest:
        name, value = rest.split("=", 1)
        value = shlex.split(value)[0] if value else ""
        print(f'export {name}="${{{name}:-{value}}}"')  # a CI override wins, as --build-arg would
    elif word == "ENV":
        for pair in shlex.split(rest):
            name, value = pair.split("=", 1)
            if name == "PIP_NO_CACHE_DIR":
                continue  # an image keeps no cache; the replay reuses pip's (no llama.cpp compile)
            if name in ("CHATBOT_VAR_DIR", "XDG_CACHE_HOME", "MPLCONFIGDIR"):
                value = value.replace("/var/lib/chatbot", f"{work}/var")
            print(f"export {name}={shlex.quote(value) if '$' not in value else chr(34) + value + chr(34)}")
    elif word == "WORKDIR":
        print(f"cd {work}/app")
    elif word == "RUN":
        if rest.startswith("apt-get") or rest.startswith("python -m venv"):
            skipped.append(rest[:70])
            continue
        print(f"echo '== RUN {rest[:110]}'")
        print(rest)
for step in skipped:
    print(f"echo '== skipped here (system step): {step}...'")
PY

cd "$WORK/app"
started=$(date +%s)
bash "$WORK/steps.sh"

echo "== the image's environment runs the services"
export PATH="$WORK/venv/bin:$PATH" CHATBOT_VAR_DIR="$WORK/var" DJANGO_SETTINGS_MODULE=chatbot.settings.production \
  DJANGO_SECRET_KEY=dockerfile-steps-check-key-not-used-anywhere-else-000000000000 DJANGO_ALLOWED_HOSTS=localhost \
  PII_VAULT_KEYS=x1pQ1Yb3Q0m3n8fZQ7Xc6aW0b2Vt1kqz5fJ2yL8s9dE=
python -c "import chatbot.serve, daphne, celery, torch, transformers, llama_cpp, llama_cpp.server.app, uvicorn"
python -c "from training.ml.responder.base import packaged_gguf; print('responder base weights:', packaged_gguf().name)"
python manage.py check --deploy --fail-level ERROR >/dev/null
echo "dockerfile_steps: the Dockerfile's install steps replayed in $(( $(date +%s) - started )) s"
