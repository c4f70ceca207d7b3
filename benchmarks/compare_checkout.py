"""
Timing two checkouts of ``autofit_csv`` on the same corpus, interleaved, each in its own process.

``build_table.py --compare-with PATH`` starts two workers, this file run with ``--worker``: one
with ``PYTHONPATH`` set to this repository, one with it set to ``PATH`` (another checkout, e.g.
a worktree of an older commit). Each worker imports everything first (``import_tools``), says
where it imported ``autofit_csv`` from (the parent refuses a worker that imported it from
anywhere else), then times the workloads of ``workloads.py`` it is sent, one JSON line per
request and per answer. Both run the same workload code; only the package differs.
"""
import json
import os
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Optional

BENCHMARKS = Path(__file__).resolve().parent


class CheckoutWorker:
    def __init__(self, checkout: Path, name: str, log_path: Path):
        """
        A worker process timing workloads with ``autofit_csv`` imported from ``checkout``.

        Parameters
        ----------
        checkout
            The repository root of the checkout (the folder holding ``autofit_csv/``).
        name
            How the report names it (``new``, ``old``).
        log_path
            Where the worker's stderr goes (warnings of the tables it builds).

        Raises
        ------
        RuntimeError
            The worker did not start, or imported ``autofit_csv`` from elsewhere.
        """
        self.checkout = Path(checkout).resolve()
        self.name = name
        if not (self.checkout / "autofit_csv" / "__init__.py").is_file():
            raise RuntimeError(f"{self.checkout} holds no autofit_csv package")
        environment = dict(os.environ, PYAUTO_SKIP_WORKSPACE_VERSION_CHECK="1")
        environment["PYTHONPATH"] = os.pathsep.join(
            [str(self.checkout), str(BENCHMARKS)]
            + ([environment["PYTHONPATH"]] if environment.get("PYTHONPATH") else [])
        )
        self._log = open(log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env=environment,
            cwd=str(BENCHMARKS),
        )
        ready = self._answer()
        self.package_file = Path(ready["autofit_csv"]).resolve()
        if self.checkout not in self.package_file.parents:
            self.close()
            raise RuntimeError(
                f"the {name} worker imported autofit_csv from {self.package_file}, not from "
                f"{self.checkout}"
            )
        self.commit = ready.get("commit")

    def time(self, workload: str, root: Path, output: Path, **options) -> float:
        """
        Seconds one call of ``workloads.<workload>(root, output, **options)`` takes in the
        worker (after a garbage collection, stdout silenced).

        Raises
        ------
        RuntimeError
            The workload failed in the worker (the message holds its traceback).
        """
        request = {"workload": workload, "root": str(root), "output": str(output), "options": options}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return self._answer()["seconds"]

    def _answer(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(timeout=30)
            raise RuntimeError(
                f"the {self.name} worker ({self.checkout}) exited with {self.process.returncode}; "
                f"see {self._log.name}"
            )
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"the {self.name} worker ({self.checkout}) failed:\n{answer['error']}")
        return answer

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def git_commit(folder: Path) -> Optional[str]:
    """
    The short commit a checkout is at, or None outside git.
    """
    try:
        result = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


def serve():
    """
    The worker: import everything, say where ``autofit_csv`` came from, then answer requests
    until stdin closes. Answers go to the original stdout; anything else printed goes to stderr.
    """
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout = sys.stderr
    os.dup2(sys.stderr.fileno(), 1)

    import workloads

    workloads.import_tools()
    import autofit_csv

    package = Path(autofit_csv.__file__).resolve()

    def answer(message: dict):
        protocol.write(json.dumps(message) + "\n")
        protocol.flush()

    answer({"autofit_csv": str(package), "commit": git_commit(package.parent.parent)})
    for line in sys.stdin:
        request = json.loads(line)
        try:
            function = getattr(workloads, request["workload"])
            seconds = workloads.time_call(
                function, Path(request["root"]), Path(request["output"]), **request["options"]
            )
        except Exception:
            answer({"error": traceback.format_exc()})
        else:
            answer({"seconds": seconds})


if __name__ == "__main__":
    if sys.argv[1:] != ["--worker"]:
        sys.exit("run by build_table.py --compare-with; see benchmarks/README.md")
    serve()
