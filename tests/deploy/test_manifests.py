"""Checks of the deployment files in deploy/ and the Dockerfile.

Every YAML file under deploy/ must parse; the Kubernetes manifests, the compose
file, the systemd unit and its config, and the Dockerfile must agree with each
other and with stratad: gRPC on 50051 everywhere, data at /data on the claimed
volume, gRPC probes, referenced ConfigMaps and Secrets that exist, resources
set, a non-root user, hardening in place.

With STRATAD_BIN set (ctest sets it) the flags the files pass are checked
against `stratad --help`, and the example config files are started for real
(on loopback, in a temporary directory).
"""

import os
import re
import shlex
import signal
import subprocess
import time
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
GRPC_PORT = 50051
ROLES = {"read", "write", "admin"}


# ---- helpers ---------------------------------------------------------------

def load_yaml_docs(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def k8s_objects():
    objects = {}
    for path in sorted(K8S.glob("*.yaml")):
        for doc in load_yaml_docs(path):
            if doc.get("kind") == "Kustomization":
                continue
            key = (doc["kind"], doc["metadata"]["name"])
            assert key not in objects, f"{key} defined twice"
            objects[key] = doc
    return objects


def one(objects, kind):
    found = [o for (k, _), o in objects.items() if k == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def host_port(address):
    host, _, port = address.rpartition(":")
    return host, int(port)


def stratad_bin():
    path = os.environ.get("STRATAD_BIN")
    if not path:
        pytest.skip("STRATAD_BIN is not set: no stratad to check flags against (ctest sets it)")
    if not os.access(path, os.X_OK):
        pytest.skip(f"STRATAD_BIN={path} is not an executable")
    return path


_help_cache = {}


def stratad_flags():
    path = stratad_bin()
    if path not in _help_cache:
        out = subprocess.run([path, "--help"], capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stderr
        _help_cache[path] = set(re.findall(r"(--[a-z][a-z0-9-]*)", out.stdout))
    return _help_cache[path]


def parse_systemd_unit(path):
    """systemd unit files repeat keys (SystemCallFilter=...): section -> key -> [values]."""
    sections, current = {}, None
    lines = Path(path).read_text().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line or line.startswith(("#", ";")):
            continue
        while line.endswith("\\") and i < len(lines):
            line = line[:-1] + " " + lines[i].strip()
            i += 1
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def systemd_seconds(value):
    m = re.fullmatch(r"(\d+)\s*(ms|s|min)?", value)
    assert m, f"unexpected time span {value!r}"
    n, unit = int(m.group(1)), m.group(2) or "s"
    return n / 1000 if unit == "ms" else n * 60 if unit == "min" else n


def dockerfile_instructions():
    text = (ROOT / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", text)
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def runtime_stage(instructions):
    """The instructions of the last stage (the image that ships)."""
    last_from = max(i for i, (w, _) in enumerate(instructions) if w == "FROM")
    return instructions[last_from:]


def json_array(rest):
    import json
    value = json.loads(rest)
    assert isinstance(value, list)
    return value


def dockerfile_uid():
    user = [rest for w, rest in runtime_stage(dockerfile_instructions()) if w == "USER"]
    assert user, "the runtime stage sets no USER"
    return int(user[-1].split(":")[0])


def start_with_config(tmp_path, config_text, replacements):
    """Start stratad with a copy of an example config whose host paths and
    addresses are replaced by temporary, loopback ones; return after it serves."""
    path = stratad_bin()
    cfg = dict(tomllib.loads(config_text))
    cfg.update(replacements)
    lines = []
    for k, v in cfg.items():
        if isinstance(v, bool):
            lines.append(f"{k} = {'true' if v else 'false'}")
        elif isinstance(v, int):
            lines.append(f"{k} = {v}")
        else:
            lines.append(f'{k} = "{v}"')
    config = tmp_path / "stratad.toml"
    config.write_text("\n".join(lines) + "\n")
    ready = tmp_path / "ready"
    proc = subprocess.Popen([path, "--config", str(config), "--ready-file", str(ready)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not (ready.exists() and ready.read_text().strip()):
            if proc.poll() is not None:
                pytest.fail(f"stratad refused the config (exit {proc.returncode}):\n"
                            f"{config.read_text()}\n{proc.stdout.read().decode()}")
            assert time.monotonic() < deadline, "stratad did not start within 30s"
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
        output = proc.stdout.read().decode()
    assert code == 0, output
    return output


def write_token_file(tmp_path):
    tokens = tmp_path / "tokens"
    tokens.write_text("# role token\nadmin a-test-admin-token-0123456789\nread a-test-read-token-0123456789\n")
    tokens.chmod(0o600)
    return tokens


# ---- every YAML file parses ----------------------------------------------------

def test_every_yaml_file_parses():
    files = sorted(p for p in DEPLOY.rglob("*") if p.suffix in (".yaml", ".yml"))
    assert files, "no YAML under deploy/"
    for path in files:
        docs = load_yaml_docs(path)
        assert docs, f"{path} holds no document"
        for doc in docs:
            assert isinstance(doc, dict), f"{path}: a document is not a mapping"


# ---- Kubernetes ------------------------------------------------------------------

def test_kustomization_lists_every_manifest():
    kust = load_yaml_docs(K8S / "kustomization.yaml")[0]
    listed = set(kust["resources"])
    present = {p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml"}
    assert listed == present


def test_statefulset_container_ports_and_probes():
    sts = one(k8s_objects(), "StatefulSet")
    pod = sts["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports["grpc"] == GRPC_PORT
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["grpc"]["port"] == GRPC_PORT, probe
        assert set(container[probe]) & {"httpGet", "tcpSocket", "exec"} == set(), probe
    if "startupProbe" in container:
        assert container["startupProbe"]["grpc"]["port"] == GRPC_PORT


def test_statefulset_image_and_labels():
    sts = one(k8s_objects(), "StatefulSet")
    (container,) = sts["spec"]["template"]["spec"]["containers"]
    image = container["image"]
    assert image and ":" in image.rsplit("/", 1)[-1], "the image needs an explicit tag"
    assert not image.endswith(":latest")
    selector = sts["spec"]["selector"]["matchLabels"]
    labels = sts["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= labels.items()
    assert sts["spec"]["replicas"] == 1, "stratad does not replicate: one writer per data directory"


def test_services_route_grpc_and_metrics_to_the_pod():
    objects = k8s_objects()
    sts = one(objects, "StatefulSet")
    labels = sts["spec"]["template"]["metadata"]["labels"]
    (container,) = sts["spec"]["template"]["spec"]["containers"]
    container_ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    services = {name: o for (kind, name), o in objects.items() if kind == "Service"}
    assert sts["spec"]["serviceName"] in services
    assert services[sts["spec"]["serviceName"]]["spec"].get("clusterIP") == "None", "governing service is headless"
    for name, svc in services.items():
        assert svc["spec"]["selector"].items() <= labels.items(), name
        for port in svc["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            target = container_ports[target] if isinstance(target, str) else target
            assert target in container_ports.values(), (name, port)
            if port["name"] == "grpc":
                assert port["port"] == GRPC_PORT and target == GRPC_PORT, name
    assert any(p["name"] == "grpc" for s in services.values() for p in s["spec"]["ports"])


def k8s_config(objects):
    sts = one(objects, "StatefulSet")
    (container,) = sts["spec"]["template"]["spec"]["containers"]
    args = container["args"]
    config_path = args[args.index("--config") + 1]
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in sts["spec"]["template"]["spec"]["volumes"]}
    mount_dir, _, key = config_path.rpartition("/")
    volume = volumes[mounts[mount_dir]]
    cm = objects[("ConfigMap", volume["configMap"]["name"])]
    return tomllib.loads(cm["data"][key])


def test_configmap_and_secret_are_the_ones_mounted():
    objects = k8s_objects()
    sts = one(objects, "StatefulSet")
    pod = sts["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    for volume in volumes.values():
        if "configMap" in volume:
            assert ("ConfigMap", volume["configMap"]["name"]) in objects
        if "secret" in volume:
            assert ("Secret", volume["secret"]["secretName"]) in objects
    for mount in container["volumeMounts"]:
        claims = {t["metadata"]["name"] for t in sts["spec"]["volumeClaimTemplates"]}
        assert mount["name"] in volumes or mount["name"] in claims, mount

    config = k8s_config(objects)
    assert host_port(config["listen"])[1] == GRPC_PORT
    # The token file is the Secret's key, where the Secret is mounted.
    token_dir, _, token_key = config["auth-token-file"].rpartition("/")
    secret_volume = volumes[mounts[token_dir]]
    secret = objects[("Secret", secret_volume["secret"]["secretName"])]
    assert token_key in secret.get("stringData", {}) or token_key in secret.get("data", {})


def test_secret_token_lines_have_known_roles():
    for (kind, name), obj in k8s_objects().items():
        if kind != "Secret":
            continue
        for text in obj.get("stringData", {}).values():
            for line in text.splitlines():
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                role, token = line.split()
                assert role in ROLES and token, line


def test_data_volume_is_the_claim_mounted_at_data():
    objects = k8s_objects()
    sts = one(objects, "StatefulSet")
    (container,) = sts["spec"]["template"]["spec"]["containers"]
    claims = {t["metadata"]["name"]: t for t in sts["spec"]["volumeClaimTemplates"]}
    data_mounts = [m for m in container["volumeMounts"] if m["mountPath"] == "/data"]
    assert len(data_mounts) == 1
    assert data_mounts[0]["name"] in claims
    claim = claims[data_mounts[0]["name"]]
    assert claim["spec"]["resources"]["requests"]["storage"]
    assert k8s_config(objects)["data-dir"] == "/data"


def test_metrics_port_matches_config_service_and_annotations():
    objects = k8s_objects()
    sts = one(objects, "StatefulSet")
    (container,) = sts["spec"]["template"]["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    metrics_port = host_port(k8s_config(objects)["metrics-listen"])[1]
    assert ports["metrics"] == metrics_port
    annotations = sts["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert int(annotations["prometheus.io/port"]) == metrics_port
    svc_ports = [p for (k, _), s in objects.items() if k == "Service" for p in s["spec"]["ports"]
                 if p["name"] == "metrics"]
    assert svc_ports and all(p["targetPort"] in ("metrics", metrics_port) for p in svc_ports)


def test_resources_and_security_context():
    sts = one(k8s_objects(), "StatefulSet")
    pod = sts["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    for part in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][part]), part
    sc, psc = container["securityContext"], pod["securityContext"]
    assert psc["runAsNonRoot"] is True or sc.get("runAsNonRoot") is True
    assert psc["runAsUser"] == dockerfile_uid() != 0
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"]["drop"] == ["ALL"]


def test_termination_grace_exceeds_shutdown_grace():
    objects = k8s_objects()
    sts = one(objects, "StatefulSet")
    grace_ms = k8s_config(objects).get("shutdown-grace-ms", 10000)
    assert sts["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > grace_ms / 1000


def test_configmap_config_starts_stratad(tmp_path):
    flags = stratad_flags()
    config = k8s_config(k8s_objects())
    assert {f"--{k}" for k in config} <= flags, {f"--{k}" for k in config} - flags
    sts = one(k8s_objects(), "StatefulSet")
    (container,) = sts["spec"]["template"]["spec"]["containers"]
    assert {a for a in container["args"] if a.startswith("--")} <= flags
    cm = one(k8s_objects(), "ConfigMap")
    start_with_config(tmp_path, next(iter(cm["data"].values())), {
        "listen": "127.0.0.1:0", "metrics-listen": "127.0.0.1:0", "data-dir": str(tmp_path / "db"),
        "auth-token-file": str(write_token_file(tmp_path)), "map-size": "64MiB"})


# ---- docker compose ----------------------------------------------------------------

def compose():
    return load_yaml_docs(DEPLOY / "docker-compose.yml")[0]


def compose_flag(args, flag):
    return args[args.index(flag) + 1]


def test_compose_service():
    doc = compose()
    (svc,) = doc["services"].values()
    health = svc["healthcheck"]["test"]
    assert health[0] == "CMD" and health[1:3] == ["stratad", "health-probe"]
    assert health[health.index("--address") + 1] == f"127.0.0.1:{GRPC_PORT}"
    assert any(str(p).endswith(f":{GRPC_PORT}") for p in svc["ports"])
    assert svc["restart"] in ("always", "unless-stopped", "on-failure")
    volume, _, target = svc["volumes"][0].partition(":")
    assert target == "/data" and volume in doc["volumes"]
    args = svc["command"]
    assert compose_flag(args, "--data-dir") == "/data"
    assert host_port(compose_flag(args, "--listen"))[1] == GRPC_PORT
    # The tokens come from a declared secret, at the path compose mounts it.
    (secret,) = svc["secrets"]
    assert secret in doc["secrets"]
    assert compose_flag(args, "--auth-token-file") == f"/run/secrets/{secret}"
    assert "--insecure-listen-any" not in args
    grace_s = int(compose_flag(args, "--shutdown-grace-ms")) / 1000
    assert systemd_seconds(svc["stop_grace_period"]) > grace_s
    metrics_port = host_port(compose_flag(args, "--metrics-listen"))[1]
    assert any(str(p).endswith(f":{metrics_port}") for p in svc["ports"])


def test_compose_flags_exist():
    flags = stratad_flags()
    (svc,) = compose()["services"].values()
    assert {a for a in svc["command"] if a.startswith("--")} <= flags
    health = svc["healthcheck"]["test"]
    path = stratad_bin()
    out = subprocess.run([path, "health-probe", "--help"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, f"stratad has no health-probe subcommand: {out.stderr}"
    assert {a for a in health if a.startswith("--")} <= set(re.findall(r"(--[a-z][a-z0-9-]*)", out.stdout))


# ---- systemd -----------------------------------------------------------------------

UNIT = DEPLOY / "systemd" / "stratad.service"
UNIT_CONFIG = DEPLOY / "systemd" / "stratad.toml"

HARDENING = {
    "NoNewPrivileges": "yes",
    "CapabilityBoundingSet": "",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "MemoryDenyWriteExecute": "yes",
    "Restart": "on-failure",
}


def test_systemd_unit_hardening():
    service = parse_systemd_unit(UNIT)["Service"]
    for key, value in HARDENING.items():
        assert service.get(key, [None])[-1] == value, key
    assert service["User"][-1] not in ("", "root", "0")
    assert service["StateDirectory"][-1] == "stratad"
    assert set(service["RestrictAddressFamilies"][-1].split()) == {"AF_INET", "AF_INET6", "AF_UNIX"}
    assert "@system-service" in service["SystemCallFilter"][0].split()
    assert int(service["LimitNOFILE"][-1]) >= 4096


def unit_exec_start():
    return shlex.split(parse_systemd_unit(UNIT)["Service"]["ExecStart"][-1])


def test_systemd_stop_timeout_exceeds_shutdown_grace():
    service = parse_systemd_unit(UNIT)["Service"]
    args = unit_exec_start()
    config = tomllib.loads(UNIT_CONFIG.read_text())
    grace_ms = int(args[args.index("--shutdown-grace-ms") + 1]) if "--shutdown-grace-ms" in args \
        else config.get("shutdown-grace-ms", 10000)
    assert systemd_seconds(service["TimeoutStopSec"][-1]) > grace_ms / 1000


def test_systemd_exec_start_uses_the_state_directory_and_config():
    args = unit_exec_start()
    assert args[0].endswith("/stratad")
    assert args[args.index("--data-dir") + 1] == "/var/lib/" + parse_systemd_unit(UNIT)["Service"]["StateDirectory"][-1]
    assert args[args.index("--config") + 1] == "/etc/stratad/" + UNIT_CONFIG.name


def test_systemd_flags_exist():
    flags = stratad_flags()
    used = {a for a in unit_exec_start() if a.startswith("--")}
    assert used <= flags, used - flags
    keys = {f"--{k}" for k in tomllib.loads(UNIT_CONFIG.read_text())}
    assert keys <= flags, keys - flags


def test_systemd_config_starts_stratad(tmp_path):
    start_with_config(tmp_path, UNIT_CONFIG.read_text(), {
        "listen": "127.0.0.1:0", "metrics-listen": "127.0.0.1:0", "data-dir": str(tmp_path / "db"),
        "auth-token-file": str(write_token_file(tmp_path)), "map-size": "64MiB"})


# ---- Dockerfile ---------------------------------------------------------------------

def test_dockerfile_runtime_stage():
    instructions = dockerfile_instructions()
    assert instructions[0] == ("ARG", "BASE_IMAGE=debian:bookworm-slim")
    froms = [rest for w, rest in instructions if w == "FROM"]
    assert len(froms) >= 2 and all(f.startswith("${BASE_IMAGE}") for f in froms)
    stage = runtime_stage(instructions)
    by_word = {}
    for word, rest in stage:
        by_word.setdefault(word, []).append(rest)
    assert by_word["EXPOSE"] == [str(GRPC_PORT)]
    assert dockerfile_uid() != 0
    assert json_array(by_word["VOLUME"][-1]) == ["/data"]
    health = by_word["HEALTHCHECK"][-1]
    cmd = json_array(health[health.index("CMD") + 3:].strip())
    assert cmd == ["stratad", "health-probe", "--address", f"127.0.0.1:{GRPC_PORT}"]
    assert json_array(by_word["ENTRYPOINT"][-1]) == ["stratad"]
    default = json_array(by_word["CMD"][-1])
    assert compose_flag(default, "--data-dir") == "/data"
    assert compose_flag(default, "--listen") == f"0.0.0.0:{GRPC_PORT}"
    assert "--insecure-listen-any" in default


def test_dockerfile_default_command_flags_exist():
    flags = stratad_flags()
    stage = runtime_stage(dockerfile_instructions())
    default = json_array([rest for w, rest in stage if w == "CMD"][-1])
    assert {a for a in default if a.startswith("--")} <= flags


def test_dockerignore_keeps_local_state_out():
    patterns = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")}
    for needed in (".git", ".venv", ".tools", ".make", "strata-data", "bench/results"):
        assert needed in patterns, needed
    assert "build*/" in patterns or "build*" in patterns
