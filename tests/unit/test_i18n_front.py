"""What labkit's front ends print speaks the notebook's language: the progress table, the docked board, %%node
failures, a lab's start, lab.capabilities, `labkit doctor`, swarm errors and the timeline's filters; English stays
as it was (labkit/base/i18n.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from labkit.base.i18n import tr


def test_progress_table_speaks_the_notebook_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`labkit progress` / the course map: the columns' names and the words in its cells; JSON keeps its keys."""
    from labkit.course.progress import record
    from labkit.course.progress_cli import map_rows, print_progress

    monkeypatch.setenv("LABKIT_PROGRESS_FILE", str(tmp_path / "progress.jsonl"))
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.setenv("LABKIT_LANG", "en")
    record("solution", "04", "04-web-on-workers")
    print_progress()
    english = capsys.readouterr().out.splitlines()
    assert english[0].startswith("0 of ") and english[2].split() == [
        "NOTEBOOK", "EXERCISE", "WHAT", "DONE", "TRIES", "HINTS", "SOLUTION"
    ]  # fmt: skip
    assert any(line.startswith("04 Replicated") and line.rstrip().endswith("seen") for line in english)
    monkeypatch.setenv("LABKIT_LANG", "zh-CN")
    print_progress()
    zh = capsys.readouterr().out.splitlines()
    assert zh[0].startswith("已完成 0 / ")
    assert zh[2].split() == ["笔记本", "练习", "内容", "完成", "尝试次数", "提示", "答案"]
    assert [r["solution"] for r in map_rows() if r["exercise"] == "04-web-on-workers"] == ["已看"]
    assert set(map_rows()[0]) == {"notebook", "exercise", "what", "done", "tries", "hints", "solution"}


def test_docked_board_names_its_tab_in_the_notebook_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """The line a docked board leaves in its cell; the board's own repr (nbval compares it) stays as it is."""
    from labkit.widgets._board import DockedBoard

    class Board:
        lab_name = "nb04"

        def __repr__(self) -> str:
            return "SwarmBoard(lab='nb04', nodes=4)"

    docked = DockedBoard(Board())  # type: ignore[arg-type]
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.setenv("LABKIT_LANG", "en")
    assert (
        repr(docked) == "SwarmBoard(lab='nb04', nodes=4) → docked beside the notebook, in the tab 'Swarm board: nb04'"
    )
    monkeypatch.setenv("LABKIT_LANG", "zh-CN")
    assert repr(docked) == "SwarmBoard(lab='nb04', nodes=4) → 已停靠在笔记本旁边的标签页“Swarm 看板：nb04”中"


def test_a_failed_node_cell_says_why_in_the_notebook_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """%%node's one line under a cell that failed: Chinese in a zh-CN notebook, the English line unchanged."""
    from labkit.front.magics import CellFailed, expected_failure

    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.setenv("LABKIT_LANG", "en")
    english = (
        "[worker1] exited with code 1: the output above says why; fix the script, or use "
        "`%%node --no-raise-error worker1` for a cell meant to fail"
    )
    assert CellFailed(english)._render_traceback_() == [english]
    monkeypatch.setenv("LABKIT_LANG", "zh-CN")
    assert CellFailed(english)._render_traceback_() == [
        "[worker1] 以退出码 1 结束：上面的输出说明了原因；修正脚本，或者对本来就该失败的单元格使用 "
        "`%%node --no-raise-error worker1`"
    ]
    # --expect-error: the magic translates the problem before it puts the node's name in front
    assert tr(expected_failure("not found", 0, "")) == '预期这里会失败并输出 "not found"；但它成功了'


def test_starting_a_lab_prints_in_the_notebook_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """Progress lines: labkit's words in Chinese, the commands it runs exactly as a learner would type them."""
    import io

    from labkit.front.progress import Progress

    def printed() -> str:
        out = io.StringIO()
        p = Progress(out=out)
        p.title("Starting lab 'nb00': 1 manager(s), 2 worker(s)")
        p.command("manager1", "docker swarm join-token -q worker")
        p.line("$ docker kill nb00-worker1   # on the host")
        p.done("lab 'nb00' is ready: 3 nodes Ready", 3.5)
        return out.getvalue()

    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.setenv("LABKIT_LANG", "en")
    assert printed() == (
        "Starting lab 'nb00': 1 manager(s), 2 worker(s)\n  [manager1] $ docker swarm join-token -q worker\n"
        "  $ docker kill nb00-worker1   # on the host\n✓ lab 'nb00' is ready: 3 nodes Ready (3.5 s)\n"
    )
    monkeypatch.setenv("LABKIT_LANG", "zh-CN")
    assert printed() == (
        "正在启动实验环境 'nb00'：1 个管理节点，2 个工作节点\n  [manager1] $ docker swarm join-token -q worker\n"
        "  $ docker kill nb00-worker1   # on the host\n✓ 实验环境 'nb00' 已就绪：3 个节点 Ready (3.5 s)\n"
    )


def test_lab_capabilities_read_in_the_notebook_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """`lab.capabilities`: labkit's words, yes/no and reasons in Chinese; Docker's flags and the mode as they are."""
    from labkit.swarm.capabilities import Capabilities

    reason = {"routing_mesh": "IPVS is available: published ports answer on every node", "encrypted_overlay": "x"}
    caps = Capabilities(routing_mesh=True, encrypted_overlay=False, privileged=False, mode="restricted", reason=reason)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.setenv("LABKIT_LANG", "en")
    assert str(caps).splitlines()[0] == "routing mesh (IPVS):      yes - " + reason["routing_mesh"]
    assert str(caps).splitlines()[2] == "privileged containers:    no - nodes run in restricted mode"
    monkeypatch.setenv("LABKIT_LANG", "zh-CN")
    assert str(caps).splitlines()[0] == "路由网格（IPVS）：       是 - IPVS 可用：发布的端口在每个节点上都会应答"
    assert str(caps).splitlines()[2] == "特权容器：               否 - 节点以 restricted 模式运行"


def test_doctor_speaks_the_notebook_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """`!labkit doctor` in a zh-CN notebook (a subprocess with the kernel's environment): each check and fix in
    Chinese, the commands and image names as they are; the English lines unchanged."""
    from labkit.front import doctor

    monkeypatch.setattr(doctor, "engine_answers", lambda: True)
    monkeypatch.setattr(doctor, "engine_info", lambda: {"ServerVersion": "27.3.1", "CgroupVersion": "2",
                                                        "CgroupDriver": "systemd", "OperatingSystem": "Debian",
                                                        "Driver": "overlay2"})  # fmt: skip
    monkeypatch.setattr(doctor, "image_rows", lambda: [{"image": "labkit-node:1", "state": "missing"}])
    monkeypatch.setattr(doctor, "_meminfo_available_mb", lambda: 900)

    def lines() -> list[str]:
        out: list[str] = []
        assert doctor.run_doctor(print_=out.append) == 1  # no images: it stops before starting a node
        return "\n".join(out).splitlines()

    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.setenv("LABKIT_LANG", "en")
    assert lines() == [
        "✓ Docker engine 27.3.1 (Debian, storage overlay2)",
        "✓ cgroup v2 (systemd driver)",
        "✗ images: missing or outdated: labkit-node:1",
        "    fix: labkit images build (offline, from Debian packages) or labkit images pull (online)",
        "✗ free memory: 900 MB (an idle node needs ~50 MB, a 6-node lab with services ~1 GB)",
        "    fix: close other programs or use fewer nodes",
        "  (skipping the in-node checks until the images exist)",
    ]
    monkeypatch.delenv("LABKIT_LANG")
    monkeypatch.setenv("JPY_SESSION_NAME", "zh-CN/00-welcome.ipynb")  # what the kernel passes to `!labkit doctor`
    assert lines() == [
        "✓ Docker 引擎 27.3.1（Debian，存储驱动 overlay2）",
        "✓ cgroup v2（systemd 驱动）",
        "✗ 镜像：缺少或已过时：labkit-node:1",
        "    解决办法：labkit images build（离线，用 Debian 软件包构建）或 labkit images pull（在线）",
        "✗ 空闲内存：900 MB（一个空闲节点约需 50 MB，一个运行着服务的 6 节点实验环境约需 1 GB）",
        "    解决办法：关闭其他程序，或者少用几个节点",
        "  （镜像就绪之前，跳过节点内的检查）",
    ]


def test_swarm_errors_and_timeline_filters_speak_the_notebook_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a learner meets when the managers are gone (swarm/decide.py), an unknown node (swarm/state.py, shown as
    one line by LabkitError), and the timeline's filter buttons: Chinese under zh-CN, English unchanged."""
    from labkit.base.errors import UnknownNode
    from labkit.swarm.decide import judge
    from labkit.widgets._labels import labels

    faults = {"manager1": "killed", "manager2": None, "manager3": "killed"}
    error = judge("nb09", [], faults, list(faults), 0.0).error or ""
    english = (
        "no quorum: 1 of 3 managers are up and Raft needs 2; the swarm cannot make changes (running tasks keep running)"
    )
    assert error == english
    assert tr(error, "en") == english
    assert (
        tr(error, "zh-CN")
        == "没有法定人数：1 / 3 个管理节点在运行，而 Raft 需要 2 个；集群无法做任何变更（运行中的任务继续运行）"
    )
    unknown = UnknownNode("no node 'worker9'; nodes are: manager1, worker1")
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.setenv("LABKIT_LANG", "en")
    assert unknown._render_traceback_() == ["UnknownNode: no node 'worker9'; nodes are: manager1, worker1"]
    assert labels() == {}
    monkeypatch.setenv("LABKIT_LANG", "zh-CN")
    assert unknown._render_traceback_() == ["UnknownNode: 没有节点 'worker9'；现有节点：manager1, worker1"]
    assert [labels()[k] for k in ("node", "task", "quorum")] == ["节点", "任务", "法定人数"]
