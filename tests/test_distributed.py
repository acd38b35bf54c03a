"""Chapter 14's helpers and DDP script, run for real with torchrun (gloo, 2 processes).

Each torchrun launch costs several seconds here, so the DDP run happens once
(a module fixture) and three tests read its results.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from course_utils import digits_datasets, distributed
from course_utils.distributed import (
    TorchrunError,
    child_pids,
    pick_backend,
    port_is_free,
    run_torchrun,
    shell_command,
    worker_env,
    worker_errors,
)

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "notebooks" / "scripts" / "14_distributed"  # the worker scripts the lesson shows and runs
TOLERANCE = 1e-6  # float32: DDP averages two half-batch means, the reference takes one mean


#: How many times the DDP fixture runs the lesson's script. Every run must end cleanly, so a
#: teardown race (a rank that aborts at exit after its work is done) fails the fixture.
#: ``COURSE_DDP_RUNS=30 pytest tests/test_distributed.py`` is the stress test.
DDP_RUNS = int(os.environ.get("COURSE_DDP_RUNS", "1"))


@pytest.fixture(scope="module")
def ddp_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ddp")
    script = SCRIPTS / "ddp_train.py"
    torch.save(digits_datasets()[0].tensors, folder / "train.pt")  # as the lesson does
    for run in range(1, DDP_RUNS + 1):
        output = run_torchrun(script, nproc=2, args=[folder / "train.pt", folder / "model.pt", folder / "run.json"])
        assert child_pids() == [], f"run {run}: processes left behind"
    if DDP_RUNS > 1:
        print(f"\nthe lesson's DDP script ran {DDP_RUNS} times in a row, every run ended cleanly")
    spec = importlib.util.spec_from_file_location("ddp_train_under_test", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {"folder": folder, "output": output, "module": module}


def teardown_problems(name: str, source: str) -> list[str]:
    """The teardown order that ends a worker cleanly (spec §7: a rank can abort at exit otherwise).

    Every ``destroy_process_group()`` follows a ``dist.barrier()``; in a DDP script the model is
    freed (``gc.collect()``) before that barrier, so gloo's threads stop while Python still runs.
    """
    lines = [line.split("#", 1)[0].strip() for line in source.splitlines()]
    code = [line for line in lines if line]
    problems = []
    for i, line in enumerate(code):
        if "destroy_process_group()" not in line:
            continue
        if i == 0 or code[i - 1] != "dist.barrier()":
            problems.append(f"{name}: destroy_process_group() without a dist.barrier() just before it")
        elif "DDP(" in source and (i < 2 or code[i - 2] != "gc.collect()"):
            problems.append(f"{name}: the DDP model is not freed (gc.collect()) before the final barrier")
    return problems


def torchrun_scripts() -> dict[str, str]:
    """Every script a worker runs: the lesson's scripts and check 14.1's worker."""
    from course_utils.checks import ch14_distributed

    scripts = {"checks/ch14_distributed.py WORKER": ch14_distributed.WORKER}
    for script in sorted(SCRIPTS.glob("*.py")):
        scripts[script.name] = script.read_text(encoding="utf-8")
    return scripts


def test_every_worker_script_waits_for_all_ranks_before_it_closes_the_group():
    scripts = torchrun_scripts()
    assert len(scripts) == 3  # collectives.py and ddp_train.py, and the checker's worker
    assert [p for name, source in scripts.items() for p in teardown_problems(name, source)] == []


def test_teardown_check_catches_a_missing_barrier():
    assert teardown_problems("demo", "dist.all_reduce(x)\ndist.destroy_process_group()\n") == [
        "demo: destroy_process_group() without a dist.barrier() just before it"]
    assert teardown_problems("demo", "dist.barrier()  # wait\n\ndist.destroy_process_group()\n") == []
    ddp = "model = DDP(net)\n"
    assert teardown_problems("demo", ddp + "dist.barrier()\ndist.destroy_process_group()\n") == [
        "demo: the DDP model is not freed (gc.collect()) before the final barrier"]
    assert teardown_problems("demo", ddp + "del model\ngc.collect()\ndist.barrier()\ndist.destroy_process_group()\n") == []


def test_ddp_matches_single_process_training(ddp_run):
    ddp_state = torch.load(ddp_run["folder"] / "model.pt", map_location="cpu", weights_only=True)
    reference = ddp_run["module"].train_single_process(ddp_run["folder"] / "train.pt").state_dict()
    assert ddp_state.keys() == reference.keys()  # saved from model.module: no "module." prefix
    for name, value in reference.items():
        torch.testing.assert_close(ddp_state[name], value, atol=TOLERANCE, rtol=0)


def test_ddp_output_is_in_rank_order_and_ranks_agree(ddp_run):
    lines = [line for line in ddp_run["output"].splitlines() if line.startswith("[rank")]
    assert [line[:8] for line in lines[:2]] == ["[rank 0]", "[rank 1]"]
    assert sum("identical on all ranks: True" in line for line in lines) == 2 * ddp_run["module"].EPOCHS
    assert sum("equal to the trained model: True" in line for line in lines) == 2
    assert "MASTER_PORT" not in ddp_run["output"] and "pid" not in ddp_run["output"]


def test_nothing_left_behind_after_a_run(ddp_run):
    assert child_pids() == []
    port = json.loads((ddp_run["folder"] / "run.json").read_text())["master_port"]
    assert port_is_free(port)


FAILING = textwrap.dedent('''
    import json, os, sys
    import torch.distributed as dist
    dist.init_process_group("gloo")
    if dist.get_rank() == 0:
        with open(sys.argv[1], "w") as fh:
            json.dump({"master_port": int(os.environ["MASTER_PORT"])}, fh)
    dist.barrier()
    if dist.get_rank() == 1:
        raise ValueError("rank 1 fails on purpose")
    dist.barrier()
''')


def test_a_failing_worker_gives_a_readable_error_and_leaves_nothing(tmp_path):
    script = tmp_path / "failing.py"
    script.write_text(FAILING, encoding="utf-8")
    with pytest.raises(TorchrunError) as caught:
        run_torchrun(script, nproc=2, args=[tmp_path / "run.json"])
    message = str(caught.value)
    assert message.startswith("torchrun failed (exit code 1). The workers' errors:")
    summary = [line.strip() for line in message.splitlines()[1:3]]
    assert "rank 1: ValueError: rank 1 fails on purpose   <- root cause" in summary
    assert "<frozen runpy>" not in message  # torchrun's own traceback is left out
    assert caught.value.returncode == 1
    assert child_pids() == []
    assert port_is_free(json.loads((tmp_path / "run.json").read_text())["master_port"])


HANGING = textwrap.dedent('''
    import time
    print("started", flush=True)  # no torch import: the workers are up within a second
    time.sleep(600)
''')


def test_a_timeout_kills_every_process(tmp_path):
    script = tmp_path / "hanging.py"
    script.write_text(HANGING, encoding="utf-8")
    with pytest.raises(TorchrunError, match="did not finish within 12 s") as caught:
        run_torchrun(script, nproc=2, timeout=12)
    assert caught.value.output.count("started") == 2, "both workers were running when the job was killed"
    assert child_pids() == []


# ----------------------------------------------------------------- small helpers, no processes


def test_pick_backend(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert pick_backend(2) == "gloo"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.distributed, "is_nccl_available", lambda: True)
    assert pick_backend(2) == "gloo"  # NCCL needs one GPU per rank
    assert pick_backend(1) == "nccl"


def test_worker_env_and_command():
    env = worker_env({"PATH": "/bin", "RANK": "3", "MASTER_PORT": "1"})
    assert env["OMP_NUM_THREADS"] == "1" and "RANK" not in env and "MASTER_PORT" not in env
    if sys.platform.startswith("linux"):
        assert env["GLOO_SOCKET_IFNAME"] == "lo"
    assert worker_env({"GLOO_SOCKET_IFNAME": "eth1"}).get("GLOO_SOCKET_IFNAME") == "eth1"
    assert shell_command("job.py", 2, ["a b"]) == "torchrun --standalone --nproc_per_node=2 job.py 'a b'"
    assert distributed.torchrun_command("job.py")[:3] == [sys.executable, "-m", "torch.distributed.run"]


def test_worker_errors_parses_rank_prefixes():
    output = "\n".join([
        "[rank1]: Traceback (most recent call last):",
        "[rank1]:     raise ValueError('x')",
        "[rank1]: ValueError: x",
        "[rank0]: RuntimeError: Connection closed by peer",
        "some other line",
    ])
    assert worker_errors(output) == {0: "RuntimeError: Connection closed by peer", 1: "ValueError: x"}


def test_port_is_free_sees_a_listening_socket():
    import socket

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        assert not port_is_free(port)
    assert port_is_free(port)


def test_child_pids_sees_a_child():
    import subprocess

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert child.pid in child_pids()
    finally:
        child.kill()
        child.wait()
    assert child.pid not in child_pids()
    assert os.getpid() not in child_pids()
