"""`dossier-screen`: screen a batch, extract one file, read reviewers' decisions back."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from extractors.names import is_text, readable
from flows.cli_store import add_store_commands, cmd_decisions_store
from flows.cli_store import store_problem as _store_problem
from flows.settings import crosscheck_engine_for


_NEEDS_SERVER = "{what} 需要先设置 PREFECT_API_URL（持久化 Prefect 服务器的地址，如 http://127.0.0.1:4200/api）"


def _die(msg: str, code: int = 2) -> int:
    print(f"dossier-screen: {msg}", file=sys.stderr)
    return code


def _check_ocr_engine() -> str | None:
    """The reason the OCR engine cannot run, or None."""
    exe = shutil.which("tesseract")
    if not exe:
        return "未找到 OCR 引擎 tesseract（请安装 tesseract-ocr 与 tesseract-ocr-chi-sim）"
    try:
        langs = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30).stdout.split()
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"tesseract 无法运行：{exc}"
    if "chi_sim" not in langs:
        return "tesseract 缺少简体中文语言包 chi_sim（请安装 tesseract-ocr-chi-sim）"
    return None


def cmd_screen(args) -> int:
    batch = Path(args.batch_dir)
    if not batch.is_dir():
        return _die(f"批次目录不存在：{batch}")
    try:
        as_of = date.fromisoformat(args.as_of) if args.as_of else date.today()
    except ValueError:
        return _die(f"--as-of 日期格式应为 YYYY-MM-DD：{args.as_of}")
    try:
        intake = date.fromisoformat(args.intake_date).isoformat() if args.intake_date else None
    except ValueError:
        return _die(f"--intake-date 日期格式应为 YYYY-MM-DD：{args.intake_date}")
    if args.registry and not Path(args.registry).is_file():
        return _die(f"登记名册文件不存在：{args.registry}")
    if args.store is not None and args.deployment:
        return _die("--store 目前不能与 --deployment 同用：请在本机运行筛查以使用案卷库")
    if args.store is not None:
        reason = _store_problem(args.store)
        if reason:
            return _die(reason)
    reason = _check_ocr_engine()
    if reason:
        return _die(reason)
    out = Path(args.out).resolve()
    if out == batch.resolve() or batch.resolve() in out.parents:
        return _die("输出目录不能位于批次目录之内（会被当作卷宗读取）")
    if not is_text(str(out)) or (args.registry and not is_text(str(Path(args.registry).resolve()))):
        return _die("输出目录或登记名册的路径中有无法识别为文字的字节（常见于未转换编码解压的 GBK 文件夹名），请改名后重试")
    out.mkdir(parents=True, exist_ok=True)
    batch = _by_text_path(batch.resolve(), out)
    if batch is None:
        return _die("批次目录的路径中有无法识别为文字的字节（常见于未转换编码解压的 GBK 文件夹名），请改名后重试")
    if args.deployment:
        return _screen_on_server(args, batch, out, as_of, intake)

    from flows.settings import RunSettings, prepare_prefect_environment

    prepare_prefect_environment(out)
    from flows.api_server import start_temporary_server

    start_temporary_server()  # boots while the flow's modules import; run_screen waits for it
    settings = RunSettings(
        batch_dir=str(batch),
        out_dir=str(out),
        as_of=as_of.isoformat(),
        registry=str(Path(args.registry).resolve()) if args.registry else None,
        intake_date=intake,
        ocr_engine=args.engine,
        crosscheck_engine=None if args.no_crosscheck else crosscheck_engine_for(args.engine),
        ocr_timeout=args.ocr_timeout,
        workers=args.workers,
        dask_address=args.dask_address,
        progress=not args.quiet,
        store=args.store,
    )
    from flows.runners import run_screen

    outcome = run_screen(settings)
    _print_outcome(outcome["summary"], out)
    return 0


def _by_text_path(batch: Path, out: Path) -> Path | None:
    """The batch folder by a path that is text. A folder unpacked from a Windows zip by a
    tool that kept its GBK name holds bytes that Prefect's API (JSON) and the outputs cannot
    carry: such a batch is read through a link in the output folder, named as it reads
    (names.readable). The dossiers and files inside are decoded when they are read."""
    if is_text(str(batch)):
        return batch
    link = out / ".batch" / readable(batch.name)
    try:
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink():
            link.unlink()
        link.symlink_to(batch, target_is_directory=True)
    except OSError:
        return None
    return link


def _print_outcome(summary: list[dict], out: Path) -> None:
    counts: dict[str, int] = {}
    for row in summary:
        counts[row["recommendation"]] = counts.get(row["recommendation"], 0) + 1
    print(f"已筛查 {len(summary)} 份卷宗，结果在 {out}：" + "，".join(f"{k} {v}" for k, v in sorted(counts.items())))


def _screen_on_server(args, batch: Path, out: Path, as_of: date, intake: str | None) -> int:
    """Submit the batch to a deployment on a persistent Prefect server and wait for it."""
    if not os.environ.get("PREFECT_API_URL"):
        return _die(_NEEDS_SERVER.format(what="--deployment"))
    from flows.deployment import run_deployed

    parameters = {
        "batch_dir": str(batch), "out_dir": str(out), "as_of": as_of.isoformat(),
        "registry": str(Path(args.registry).resolve()) if args.registry else None, "intake_date": intake,
        "engine": args.engine, "crosscheck": not args.no_crosscheck, "ocr_timeout": args.ocr_timeout,
        "workers": args.workers, "dask_address": args.dask_address,
    }
    try:
        state, summary = run_deployed(parameters, name=args.deployment)
    except Exception as exc:  # server unreachable, deployment unknown
        return _die(f"无法通过部署 {args.deployment} 运行：{type(exc).__name__}: {str(exc)[:300]}")
    if state != "Completed":
        return _die(f"服务器上的筛查运行未完成（状态：{state}），请查看 Prefect 服务器的运行日志")
    _print_outcome(summary, out)
    return 0


def cmd_deploy(args) -> int:
    if not os.environ.get("PREFECT_API_URL"):
        return _die(_NEEDS_SERVER.format(what="deploy"))
    from flows.deployment import FLOW_NAME, deploy

    try:
        deployment_id = deploy(args.pool, args.name)
    except Exception as exc:
        return _die(f"无法创建部署：{type(exc).__name__}: {str(exc)[:300]}")
    print(f"已创建部署 {FLOW_NAME}/{args.name}（{deployment_id}），工作池 {args.pool}；"
          f"启动执行进程：prefect worker start --pool {args.pool}")
    return 0


def cmd_extract(args) -> int:
    path = Path(args.file)
    if not path.is_file():
        return _die(f"文件不存在：{path}")
    reason = _check_ocr_engine()
    if reason:
        return _die(reason)
    from flows.extract_one import extract_file

    with tempfile.TemporaryDirectory(prefix="dossier-extract-") as tmp:
        data = extract_file(path, Path(tmp), engine=args.engine)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        from flows.extract_one import format_text

        print(format_text(data))
    return 0


def cmd_decisions(args) -> int:
    out = Path(args.out_dir)
    if not out.is_dir():
        return _die(f"输出目录不存在：{out}")
    from reports.decisions import write_ledger

    entries, errors = write_ledger(out)
    for err in errors:
        print(f"拒收：{err}", file=sys.stderr)
    print(f"已读取 {len(entries)} 条审核结论，写入 {out / 'decisions.csv'} 与 {out / 'decisions.json'}")
    if args.store is not None and cmd_decisions_store(args, entries):
        return 2
    return 0 if not errors else 1


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dossier-screen", description="技师工作站申报材料筛查")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("screen", help="筛查一个批次")
    s.add_argument("batch_dir")
    s.add_argument("--out", required=True)
    s.add_argument("--as-of", dest="as_of")
    s.add_argument("--registry")
    s.add_argument("--intake-date", dest="intake_date", help="受理日期（审核期限的起算日，默认同 --as-of）")
    s.add_argument("--engine", choices=["rapidocr", "tesseract"], default="rapidocr")
    s.add_argument("--no-crosscheck", action="store_true", help="不用第二识别引擎复核关键号码")
    s.add_argument("--ocr-timeout", type=float, default=60.0)
    s.add_argument("--workers", type=int, default=0, help="并行数（默认：CPU 核数）")
    s.add_argument("--dask-address", help="已有 Dask 集群的地址（页面识别分发到该集群）")
    s.add_argument("--quiet", action="store_true")
    s.add_argument("--store", nargs="?", const="", default=None,
                   help="案卷库：SQLite 文件路径或 postgresql+psycopg://… 地址（不带值：默认文件）；跨年度比对并记录本批次")
    s.add_argument("--deployment", help="在持久化 Prefect 服务器上通过该部署运行（需设置 PREFECT_API_URL，见 dossier-screen deploy）")
    s.set_defaults(func=cmd_screen)

    dp = sub.add_parser("deploy", help="在持久化 Prefect 服务器上登记筛查部署（进程工作池）")
    dp.add_argument("--pool", required=True, help="进程类型的工作池名称（prefect work-pool create NAME --type process）")
    dp.add_argument("--name", default="dossier-screen")
    dp.set_defaults(func=cmd_deploy)

    e = sub.add_parser("extract", help="读取单个文件")
    e.add_argument("file")
    e.add_argument("--json", action="store_true")
    e.add_argument("--engine", choices=["rapidocr", "tesseract"], default="rapidocr")
    e.set_defaults(func=cmd_extract)

    d = sub.add_parser("decisions", help="读回审核人填写的工作表，生成结论台账")
    d.add_argument("out_dir")
    d.add_argument("--store", nargs="?", const="", default=None, help="同时记入案卷库（综合评议结论决定拟认定名单）")
    d.add_argument("--year", type=int, help="结论所属年度（默认：按批次的审核基准日）")
    d.set_defaults(func=cmd_decisions)
    add_store_commands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


def console() -> None:
    """The `dossier-screen` command: main(), then `exit_now`."""
    exit_now(main())


def exit_now(rc: int) -> None:
    """Leave the process as a finished run needs and no more.

    What Python does at exit before tearing itself down is done here in the same order:
    Prefect's log and event workers drain and the other threads are joined, then the atexit
    handlers run (logging is flushed, the temporary server is stopped). The teardown itself,
    freeing a screening's objects one by one, is left to the operating system, which frees a
    process's memory at once."""
    import atexit
    import threading

    sys.stdout.flush()
    sys.stderr.flush()
    threading._shutdown()  # noqa: SLF001 - Python's own first step at exit
    atexit._run_exitfuncs()  # noqa: SLF001 - and its second
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(rc if isinstance(rc, int) else 1)


if __name__ == "__main__":
    console()
