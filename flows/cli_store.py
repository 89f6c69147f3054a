"""The case-store commands of `dossier-screen`: notice, actions, registry, store keygen,
and `decisions --store`. Wiring only: the work is in store/ and reports/."""
from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path


def _die(msg: str, code: int = 2) -> int:
    print(f"dossier-screen: {msg}", file=sys.stderr)
    return code


def _opened(target):
    """(store, None) or (None, the reason it cannot be opened: one line)."""
    from store import MissingKey, display, open_store, store_url

    try:
        return open_store(target or None), None
    except MissingKey as exc:
        return None, str(exc)
    except Exception as exc:  # server down, bad URL, unwritable file
        first = (str(exc).splitlines() or [""])[0][:200]
        return None, f"无法打开案卷库 {display(store_url(target or None))}：{type(exc).__name__}: {first}"


def store_problem(target: str | None) -> str | None:
    st, reason = _opened(target)
    if st is not None:
        st.close()
    return reason


def _open_or_die(target):
    st, reason = _opened(target)
    return st, (None if st is not None else _die(reason))


def _year_of_out_dir(out: Path) -> int | None:
    for res in sorted(out.glob("*/result.json")):
        try:
            return int(json.loads(res.read_text(encoding="utf-8"))["as_of"][:4])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return None


def cmd_decisions_store(args, entries: list[dict]) -> int:
    st, err = _open_or_die(args.store)
    if st is None:
        return err
    year = args.year or _year_of_out_dir(Path(args.out_dir))
    if year is None:
        return _die("无法确定这些结论属于哪一年度：请用 --year 指定")
    st.record_decisions(year, entries)
    print(f"已将 {len(entries)} 条审核结论记入案卷库（{year}年度）")
    return 0


def _units_from_out_dir(out: Path) -> list[dict]:
    from reports.decisions import read_decisions
    from store.outcomes import dossier_outcomes

    decisions, _ = read_decisions(out)
    units = []
    for did, outcome in sorted(dossier_outcomes(decisions).items()):
        if outcome != "recognised":
            continue
        try:
            a = json.loads((out / did / "result.json").read_text(encoding="utf-8")).get("applicant") or {}
        except (OSError, ValueError):
            a = {}
        units.append({"unit_name": a.get("name") or "", "uscc": a.get("uscc") or "", "dossier_id": did})
    return units


def cmd_notice(args) -> int:
    from reports.notice import read_objections, write_notice

    if args.read_objections:
        if not args.year:
            return _die("--read-objections 需要 --year（公示年度）")
        if not Path(args.read_objections).is_file():
            return _die(f"文件不存在：{args.read_objections}")
        rows, errors = read_objections(Path(args.read_objections))
        for e in errors:
            print(f"拒收：{e}", file=sys.stderr)
        st, err = _open_or_die(args.store)
        if st is None:
            return err
        st.record_objections(args.year, rows, Path(args.read_objections).name)
        upheld = sum(1 for r in rows if r.get("finding") == "异议成立")
        print(f"已将 {len(rows)} 条公示异议记入案卷库（{args.year}年度），其中异议成立 {upheld} 条")
        return 0 if not errors else 1
    if not args.out:
        return _die("notice 需要 --out 输出目录")
    try:
        published = date.fromisoformat(args.start) if args.start else date.today()
    except ValueError:
        return _die(f"--start 日期格式应为 YYYY-MM-DD：{args.start}")
    if args.from_out:
        out = Path(args.from_out)
        if not out.is_dir():
            return _die(f"输出目录不存在：{out}")
        units = _units_from_out_dir(out)
        year = args.year or _year_of_out_dir(out) or published.year
    else:
        if not args.year:
            return _die("notice 需要 --year（或用 --from OUT_DIR 从一个批次的审核结论生成）")
        st, err = _open_or_die(args.store)
        if st is None:
            return err
        year = args.year
        units = [{"unit_name": s.unit_name or "", "uscc": s.uscc or "", "dossier_id": s.dossier_id}
                 for s in st.screenings(year=year, outcome="recognised")]
    period = write_notice(units, year, published, Path(args.out))
    print(f"拟认定名单 {len(units)} 个单位，公示期 {period['start_text']} 至 {period['end_text']}，"
          f"已写入 {args.out}（拟认定名单.docx / 拟认定名单.xlsx / 公示异议登记表.xlsx）")
    return 0


def cmd_actions(args) -> int:
    from reports.actions import write_actions

    st, err = _open_or_die(args.store)
    if st is None:
        return err
    df = write_actions(st.action_items(), Path(args.out))
    print(f"第十五条第（一）项处理清单：{len(df)} 条，涉及已认定工作站 {df['已认定工作站'].nunique()} 个，已写入 {args.out}")
    return 0


def cmd_registry(args) -> int:
    from validators.registry import load_registry

    if args.action == "import" and not Path(args.file).is_file():
        return _die(f"登记表文件不存在：{args.file}")
    st, err = _open_or_die(args.store)
    if st is None:
        return err
    if args.action == "import":
        rows, errors = load_registry(Path(args.file))
        for e in errors:
            print(f"拒收：{e}", file=sys.stderr)
        from store.registry_check import check_registry

        for note in check_registry(rows):
            print(f"提示：{note}", file=sys.stderr)
        n = st.import_registry(rows, Path(args.file).name)
        print(f"已导入登记表 {n} 行到案卷库")
        return 0 if not errors else 1
    from reports.notice import registry_frame

    df = registry_frame(st.registry_rows())
    df.to_csv(args.file, index=False, encoding="utf-8-sig")
    print(f"已导出登记表 {len(df)} 行到 {args.file}（身份证号码为脱敏形式，仅供查阅，不能再导入比对）")
    return 0


def cmd_keygen(args) -> int:
    from store import new_key_file

    try:
        path = new_key_file(args.file)
    except FileExistsError:
        return _die(f"密钥文件已存在，不会覆盖：{args.file}")
    print(f"已生成案卷库密钥 {path}（仅本人可读）。请妥善保管并备份，丢失后已存的号码无法再比对。"
          f"使用：export DOSSIER_SCREEN_STORE_KEY_FILE={path}")
    return 0


def add_store_commands(sub) -> None:
    store_help = "案卷库：SQLite 文件路径或 postgresql+psycopg://… 地址（不带值：默认文件）"
    n = sub.add_parser("notice", help="拟认定名单公示（Word、Excel）与公示异议登记表；读回异议登记表")
    n.add_argument("--store", nargs="?", const="", default=None, help=store_help)
    n.add_argument("--year", type=int)
    n.add_argument("--from", dest="from_out", help="从一个批次输出目录的审核结论生成（不用案卷库）")
    n.add_argument("--out", help="输出目录")
    n.add_argument("--start", help="公示发布日期 YYYY-MM-DD（默认今天；非工作日顺延）")
    n.add_argument("--read-objections", dest="read_objections", help="读回填好的公示异议登记表并记入案卷库")
    n.set_defaults(func=cmd_notice)

    a = sub.add_parser("actions", help="第十五条第（一）项处理清单（已认定工作站的跨年度疑点）")
    a.add_argument("--store", nargs="?", const="", default=None, help=store_help)
    a.add_argument("--out", required=True, help="输出 xlsx 文件")
    a.set_defaults(func=cmd_actions)

    r = sub.add_parser("registry", help="登记表导入案卷库 / 从案卷库导出")
    r.add_argument("action", choices=["import", "export"])
    r.add_argument("file", help="登记表 CSV")
    r.add_argument("--store", nargs="?", const="", default=None, help=store_help)
    r.set_defaults(func=cmd_registry)

    k = sub.add_parser("store", help="案卷库管理")
    k.add_argument("action", choices=["keygen"])
    k.add_argument("file", help="新密钥文件路径（放在案卷库之外、由局里保管）")
    k.set_defaults(func=cmd_keygen)
