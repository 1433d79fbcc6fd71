# Shared by bin/ scripts: create .venv with Python 3.11+ and install a requirements file.
ensure_venv() {
  local requirements="$1"
  local python="${PYTHON:-python3}"
  if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
  fi
  # Reinstall only when the requirements changed since the last install.
  local stamp=".venv/.installed-$(basename "$requirements")"
  local digest
  digest="$(cat requirements*.txt | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    # A first install takes a few minutes: say so, and show each package as it comes.
    echo "Installing the Python packages of $requirements into .venv (a few minutes the first time)..."
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --progress-bar off -r "$requirements" \
      | grep --line-buffered -E '^(Collecting|Successfully installed)' || true
    echo "Packages installed."
    echo "$digest" > "$stamp"
  fi
  export PATH="$PWD/.venv/bin:$PATH"
}
