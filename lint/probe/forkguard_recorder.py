"""forkguard's runtime recorder: a pytest plugin that writes down every process
the test run starts, per test and phase, as JSON lines.

Load it without installing anything:

    PYTHONPATH=/path/to/lint/probe FORKGUARD_PROBE_DIR=/tmp/probe \
        python3 -m pytest -p forkguard_recorder ...

It does nothing unless a directory is given (--forkguard-probe-dir or
FORKGUARD_PROBE_DIR). Each pytest process (the only one, the xdist controller,
each xdist worker) writes its own `<worker>-<pid>.jsonl` there, one record a
line, flushed as it happens; the process that is not an xdist worker merges
every file of the directory into `merged.json` at the end of the session. The
record and merge formats are in docs/probe-records.md (format version 1).

Standard library only; Python 3.8+, pytest 7+, pytest-xdist 3+.
"""
import json
import os
import sys
import threading
import time

try:
    import pytest
except ImportError:  # `python3 forkguard_recorder.py merge DIR` needs no pytest
    pytest = None


def _hookimpl(**kwargs):
    if pytest is None:
        return lambda fn: fn
    return pytest.hookimpl(**kwargs)

FORMAT_VERSION = 1
DEFAULT_WATCHDOG = 30.0
STACK_DEPTH = 8
THREAD_STACK_DEPTH = 12

_HERE = os.path.abspath(__file__)
if _HERE.endswith((".pyc", ".pyo")):
    _HERE = _HERE[:-1]

# Standard-library files whose frames say which kind of pool started the process.
_VIA = (
    (os.sep + os.path.join("concurrent", "futures", "process.py"), "ProcessPoolExecutor"),
    (os.sep + os.path.join("multiprocessing", "pool.py"), "multiprocessing.Pool"),
    (os.sep + os.path.join("multiprocessing", "managers.py"), "Manager"),
    (os.sep + "loky" + os.sep, "loky"),
    (os.sep + "joblib" + os.sep, "joblib"),
)
_FOREIGN_MARKS = (os.sep + "execnet" + os.sep, os.sep + "xdist" + os.sep)
_LIB_MARKS = (os.sep + "site-packages" + os.sep, os.sep + "dist-packages" + os.sep)


def pytest_addoption(parser):
    group = parser.getgroup("forkguard", "forkguard runtime recorder")
    group.addoption("--forkguard-probe-dir", dest="forkguard_probe_dir", default=None,
                    metavar="DIR",
                    help="write process-start records here (default: $FORKGUARD_PROBE_DIR; "
                    "unset: the recorder is off)")
    group.addoption("--forkguard-probe-watchdog", dest="forkguard_probe_watchdog",
                    default=None, type=float, metavar="SECONDS",
                    help="write a still-running record with every thread's stack when a "
                    "test phase runs longer than this (default: $FORKGUARD_PROBE_WATCHDOG "
                    "or 30; 0: off)")


class _Recorder:
    def __init__(self, config, directory, watchdog):
        self.config = config
        self.dir = directory
        self.watchdog = watchdog
        self.pid = os.getpid()
        workerinput = getattr(config, "workerinput", None)
        if workerinput is not None:
            self.worker = str(workerinput.get("workerid", "gw?"))
            self.role = "worker"
        elif _xdist_active(config):
            self.worker, self.role = "controller", "controller"
        else:
            self.worker, self.role = "main", "main"
        self.root = str(config.rootpath) if hasattr(config, "rootpath") else str(config.rootdir)
        self.root = os.path.realpath(self.root)
        self.stdlib = _stdlib_dirs()
        self.project_cache = {}
        self.test = None
        self.phase = "session"
        self.phase_t0 = None
        self.phase_seq = 0
        self.local = threading.local()
        self.lock = threading.Lock()
        self.patched = []
        self.fh_file = None
        self.dog = None
        self.dog_stop = threading.Event()
        os.makedirs(self.dir, exist_ok=True)
        path = os.path.join(self.dir, "%s-%d.jsonl" % (self.worker, self.pid))
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_TRUNC, 0o644)

    # -- writing -------------------------------------------------------------
    def write(self, kind, **fields):
        if os.getpid() != self.pid:
            return  # a forked child: its records would interleave with ours
        rec = {"v": FORMAT_VERSION, "kind": kind, "t": round(time.time(), 6),
               "worker": self.worker, "pid": self.pid}
        rec.update(fields)
        line = (json.dumps(rec, separators=(",", ":"), default=str) + "\n").encode()
        with self.lock:
            os.write(self.fd, line)

    # -- frames --------------------------------------------------------------
    def is_project(self, filename):
        known = self.project_cache.get(filename)
        if known is None:
            known = self.project_cache[filename] = self.classify(filename)
        return known

    def classify(self, filename):
        if not filename or filename.startswith("<"):
            return False
        path = os.path.realpath(filename)
        if path == _HERE or path.startswith(self.stdlib):
            return False
        if any(m in path for m in _LIB_MARKS):
            return False
        return path.startswith(self.root + os.sep)

    def rel(self, filename):
        return os.path.relpath(os.path.realpath(filename), self.root).replace(os.sep, "/")

    def project_stack(self, frame):
        """Project frames from `frame` outwards, returned outermost first, and the
        kind of pool whose library frames were passed on the way."""
        frames = []
        via = None
        while frame is not None:
            name = frame.f_code.co_filename
            if self.is_project(name):
                if len(frames) < STACK_DEPTH:
                    frames.append({"path": self.rel(name), "line": frame.f_lineno,
                                   "function": frame.f_code.co_name})
            elif via is None and not frames:
                for mark, kind in _VIA:
                    if mark in name:
                        via = kind
                        break
            frame = frame.f_back
        frames.reverse()
        return frames, via

    def threads(self, all_frames=False):
        """The threads of this process other than the calling one and the
        recorder's watchdog: name, ident, daemon, foreign (an execnet/xdist thread)."""
        me = threading.get_ident()
        dog = self.dog.ident if self.dog is not None else None
        known = {t.ident: t for t in threading.enumerate()}
        out = []
        for ident, frame in sorted(sys._current_frames().items()):
            if ident == dog or (ident == me and not all_frames):
                continue
            t = known.get(ident)
            files = []
            f = frame
            while f is not None:
                files.append(f)
                f = f.f_back
            foreign = any(m in f.f_code.co_filename for f in files for m in _FOREIGN_MARKS)
            item = {"name": t.name if t is not None else "<no threading.Thread>",
                    "ident": ident,
                    "daemon": t.daemon if t is not None else None,
                    "xdist": foreign,
                    "current": ident == me}
            if all_frames:
                item["stack"] = ["%s:%d:%s" % (f.f_code.co_filename, f.f_lineno,
                                              f.f_code.co_name)
                                 for f in reversed(files[:THREAD_STACK_DEPTH])]
            out.append(item)
        return out

    # -- process starts ------------------------------------------------------
    def record_start(self, kind, api, method, frame, forks):
        stack, via = self.project_stack(frame)
        fields = {"test": self.test, "phase": self.phase, "api": api, "method": method,
                  "via": via, "forks": forks, "site": stack[-1] if stack else None,
                  "stack": stack, "thread": threading.current_thread().name}
        if forks:
            fields["threads"] = self.threads()
        self.write(kind, **fields)

    def guarded(self, fn):
        """Run fn() unless a start is already being recorded on this thread (a
        fork-context Process.start calls os.fork; subprocess may call posix_spawn)."""
        if getattr(self.local, "busy", False):
            return
        self.local.busy = True
        try:
            fn()
        except Exception as exc:  # never break the user's test run
            try:
                self.write("recorder_error", error=repr(exc))
            except Exception:
                pass
        finally:
            self.local.busy = False

    def patch(self, owner, name, make):
        orig = getattr(owner, name, None)
        if orig is None or getattr(orig, "_forkguard_orig", None) is not None:
            return
        wrapper = make(orig)
        wrapper._forkguard_orig = orig
        setattr(owner, name, wrapper)
        self.patched.append((owner, name, orig))

    def install(self):
        rec = self
        import multiprocessing.process as mp_process
        self.patch_process_class(mp_process.BaseProcess, "multiprocessing")

        def make_fork(api):
            def make(orig):
                def wrapper(*args, **kwargs):
                    frame = sys._getframe(1)
                    rec.guarded(lambda: rec.record_start("start", api, "fork", frame, True))
                    return orig(*args, **kwargs)
                return wrapper
            return make

        self.patch(os, "fork", make_fork("os.fork"))
        self.patch(os, "forkpty", make_fork("os.forkpty"))

        def make_exec(api):
            def make(orig):
                def wrapper(*args, **kwargs):
                    if not getattr(rec.local, "busy", False):
                        frame = sys._getframe(1)
                        rec.guarded(lambda: rec.record_start("exec", api, None, frame, False))
                    # posix_spawn inside Popen is not recorded a second time
                    busy = getattr(rec.local, "busy", False)
                    rec.local.busy = True
                    try:
                        return orig(*args, **kwargs)
                    finally:
                        rec.local.busy = busy
                return wrapper
            return make

        import subprocess
        self.patch(subprocess.Popen, "_execute_child", make_exec("subprocess.Popen"))
        self.patch(os, "posix_spawn", make_exec("os.posix_spawn"))
        self.patch(os, "posix_spawnp", make_exec("os.posix_spawnp"))
        self.patch_late()

    def patch_process_class(self, cls, lib):
        rec = self

        def make(orig):
            def start(self_, *args, **kwargs):
                if getattr(rec.local, "busy", False):
                    return orig(self_, *args, **kwargs)
                frame = sys._getframe(1)
                method = _start_method(self_, lib)
                rec.guarded(lambda: rec.record_start("start", lib + ".Process.start", method,
                                                     frame, method == "fork"))
                rec.local.busy = True
                try:
                    return orig(self_, *args, **kwargs)
                finally:
                    rec.local.busy = False
            return start

        self.patch(cls, "start", make)

    def patch_late(self):
        """Process classes of libraries that keep their own copy of
        multiprocessing, patched once they have been imported by the project."""
        for modname, lib in (("multiprocess.process", "multiprocess"),
                             ("billiard.process", "billiard")):
            mod = sys.modules.get(modname)
            if mod is not None and hasattr(mod, "BaseProcess"):
                self.patch_process_class(mod.BaseProcess, lib)

    def uninstall(self):
        for owner, name, orig in reversed(self.patched):
            setattr(owner, name, orig)
        self.patched = []

    # -- phases and the watchdog --------------------------------------------
    def begin(self, test, phase):
        self.patch_late()
        with self.lock:
            self.test, self.phase = test, phase
            self.phase_t0 = time.monotonic()
            self.phase_seq += 1
        self.write("phase_start", test=test, phase=phase)

    def end(self):
        """The phase's code has run; its phase_end record waits for the report."""
        with self.lock:
            self.test, self.phase, self.phase_t0 = None, "session", None

    def report(self, report):
        self.write("phase_end", test=report.nodeid, phase=report.when, outcome=report.outcome,
                   duration=round(getattr(report, "duration", 0.0) or 0.0, 6))

    def start_watchdog(self):
        if not self.watchdog or self.watchdog <= 0:
            return
        self.dog = threading.Thread(target=self.watch, name="forkguard-recorder-watchdog",
                                    daemon=True)
        self.dog.start()
        try:
            fh_timeout = float(self.config.getini("faulthandler_timeout") or 0)
        except (ValueError, KeyError):
            fh_timeout = 0
        if fh_timeout <= 0:
            # A hang with the GIL held leaves the watchdog thread silent; the
            # C-level faulthandler still dumps every thread's stack here. The
            # watchdog pushes its deadline back at every step (a dead man's
            # switch), so it fires only when Python code stops running, and
            # costs nothing per test.
            path = os.path.join(self.dir, "%s-%d.faulthandler.txt" % (self.worker, self.pid))
            self.fh_file = open(path, "w")
            self.arm_faulthandler()

    def arm_faulthandler(self):
        if self.fh_file is not None:
            import faulthandler
            faulthandler.dump_traceback_later(self.watchdog, repeat=True, file=self.fh_file)

    def watch(self):
        step = min(1.0, self.watchdog / 4.0)
        reported = {}
        while not self.dog_stop.wait(step):
            self.arm_faulthandler()
            with self.lock:
                seq, t0, test, phase = self.phase_seq, self.phase_t0, self.test, self.phase
            if t0 is None:
                continue
            elapsed = time.monotonic() - t0
            last = reported.get(seq, 0.0)
            if elapsed >= self.watchdog and elapsed - last >= self.watchdog:
                reported = {seq: elapsed}
                try:
                    self.write("still_running", test=test, phase=phase,
                               elapsed=round(elapsed, 3), threads=self.threads(True))
                except Exception:
                    pass

    def close(self, exitstatus):
        self.dog_stop.set()
        if self.dog is not None:
            # It re-arms the faulthandler: let it stop before the file closes.
            self.dog.join(5)
        if self.fh_file is not None:
            import faulthandler
            faulthandler.cancel_dump_traceback_later()
        self.write("session_end", exitstatus=int(exitstatus))
        self.uninstall()
        os.close(self.fd)
        if self.fh_file is not None:
            self.fh_file.close()
            self.fh_file = None


def _xdist_active(config):
    n = getattr(config.option, "numprocesses", None)
    if getattr(config.option, "dist", "no") == "no" and not n:
        return False
    return bool(n) or getattr(config.option, "tx", None)


def _stdlib_dirs():
    import sysconfig
    dirs = set()
    for key in ("stdlib", "platstdlib"):
        try:
            dirs.add(os.path.realpath(sysconfig.get_paths()[key]) + os.sep)
        except KeyError:
            pass
    dirs.add(os.path.dirname(os.__file__) + os.sep)
    return tuple(sorted(dirs))


def _start_method(proc, lib):
    method = getattr(proc, "_start_method", None)
    if method:
        return method
    try:
        if lib == "multiprocessing":
            import multiprocessing.context as ctx
        else:
            ctx = sys.modules[lib + ".context"]
        default = ctx._default_context
        actual = default._actual_context or default._default_context
        return actual._name
    except Exception:
        return None


_recorder = None


def pytest_configure(config):
    global _recorder
    directory = config.getoption("forkguard_probe_dir") or os.environ.get("FORKGUARD_PROBE_DIR")
    if not directory or _recorder is not None:
        return
    watchdog = config.getoption("forkguard_probe_watchdog")
    if watchdog is None:
        try:
            watchdog = float(os.environ.get("FORKGUARD_PROBE_WATCHDOG", DEFAULT_WATCHDOG))
        except ValueError:
            watchdog = DEFAULT_WATCHDOG
    _recorder = _Recorder(config, os.path.abspath(directory), watchdog)
    _recorder.write("session_start", role=_recorder.role, rootdir=_recorder.root,
                    python=sys.version.split()[0], pytest=pytest.__version__,
                    argv=list(sys.argv), cwd=os.getcwd(),
                    default_method=_start_method(object(), "multiprocessing"),
                    watchdog=watchdog)
    _recorder.install()
    _recorder.start_watchdog()


def _phase(phase):
    @_hookimpl(hookwrapper=True, tryfirst=True)
    def hook(item, *args, **kwargs):
        rec = _recorder
        if rec is None:
            yield
            return
        rec.begin(item.nodeid, phase)
        try:
            yield
        finally:
            rec.end()
    hook.__name__ = "pytest_runtest_" + phase
    return hook


pytest_runtest_setup = _phase("setup")
pytest_runtest_call = _phase("call")
pytest_runtest_teardown = _phase("teardown")


@_hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # The outcome comes from the report: a unittest-style test's failure does
    # not raise out of pytest_runtest_call, it is turned into the report here.
    outcome = yield
    rec = _recorder
    if rec is not None:
        try:
            rec.report(outcome.get_result())
        except Exception as exc:
            rec.write("recorder_error", error=repr(exc))


@_hookimpl(hookwrapper=True, tryfirst=True)
def pytest_collection(session):
    rec = _recorder
    if rec is not None:
        rec.phase = "collect"
    yield
    if rec is not None:
        rec.phase = "session"


@_hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    global _recorder
    rec = _recorder
    if rec is None:
        return
    _recorder = None
    rec.close(exitstatus)
    if rec.role != "worker":
        merge(rec.dir, os.path.join(rec.dir, "merged.json"))


# -- the reference merge (docs/probe-records.md, "Merging") -----------------
def read_records(path):
    """The records of one file; a line that does not parse (the last line of
    a process that was killed while writing) is skipped."""
    out = []
    with open(path, "rb") as f:
        for raw in f:
            try:
                rec = json.loads(raw)
            except ValueError:
                continue
            if isinstance(rec, dict) and rec.get("v") == FORMAT_VERSION:
                out.append(rec)
    return out


def merge(directory, output=None):
    files = sorted(n for n in os.listdir(directory) if n.endswith(".jsonl"))
    tests = {}
    outside = []
    unfinished = []
    sessions = []
    for name in files:
        records = read_records(os.path.join(directory, name))
        open_phase = None
        last = None
        for rec in records:
            kind = rec.get("kind")
            last = rec
            if kind == "session_start":
                sessions.append({"file": name, "worker": rec.get("worker"),
                                 "pid": rec.get("pid"), "role": rec.get("role"),
                                 "exitstatus": None})
            elif kind == "session_end":
                for s in sessions:
                    if s["file"] == name:
                        s["exitstatus"] = rec.get("exitstatus")
            elif kind == "phase_start":
                open_phase = rec
                entry = _test_entry(tests, rec["test"])
                if rec["worker"] not in entry["workers"]:
                    entry["workers"].append(rec["worker"])
            elif kind == "phase_end":
                open_phase = None
                _test_entry(tests, rec["test"])["outcomes"][rec["phase"]] = rec.get("outcome")
            elif kind in ("start", "exec"):
                slim = {k: v for k, v in rec.items() if k not in ("v", "test")}
                if rec.get("test") is None:
                    outside.append(slim)
                    continue
                entry = _test_entry(tests, rec["test"])
                entry["starts" if kind == "start" else "execs"].append(slim)
        if open_phase is not None:
            unfinished.append({"file": name, "worker": open_phase["worker"],
                               "pid": open_phase["pid"], "test": open_phase["test"],
                               "phase": open_phase["phase"], "last": last})
    for entry in tests.values():
        starts = entry["starts"]
        entry["started_processes"] = bool(starts)
        entry["methods"] = sorted({s.get("method") or "unknown" for s in starts})
        entry["forked_with_threads"] = any(s.get("forks") and s.get("threads") for s in starts)
    result = {"version": FORMAT_VERSION, "sessions": sessions,
              "tests": dict(sorted(tests.items())), "outside_tests": outside,
              "unfinished": unfinished}
    if output:
        tmp = output + ".tmp"
        with open(tmp, "w") as f:
            json.dump(result, f, indent=1, sort_keys=True)
            f.write("\n")
        os.replace(tmp, output)
    return result


def _test_entry(tests, nodeid):
    entry = tests.get(nodeid)
    if entry is None:
        entry = {"workers": [], "outcomes": {}, "starts": [], "execs": []}
        tests[nodeid] = entry
    return entry


if __name__ == "__main__":
    # python3 forkguard_recorder.py merge DIR [OUT]: the merge without pytest
    if len(sys.argv) >= 3 and sys.argv[1] == "merge":
        res = merge(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
        if len(sys.argv) <= 3:
            json.dump(res, sys.stdout, indent=1, sort_keys=True)
            sys.stdout.write("\n")
    else:
        sys.stderr.write("usage: forkguard_recorder.py merge DIR [OUT]\n")
        sys.exit(2)
