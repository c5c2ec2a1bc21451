from __future__ import annotations

import io

from msdw.generate.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_fills_up() -> None:
    out = Terminal()
    bar = Progress(total=4, stream=out)
    for label in ("2019-01", "2019-02", "2019-03", "2019-04"):
        bar.step(label)
    bar.close()
    text = out.getvalue()
    assert "2019-04" in text and "100%" in text
    assert text.endswith("\n")


def test_no_bar_when_disabled_or_not_on_a_terminal() -> None:
    for bar, out in (
        (Progress(total=2, enabled=False, stream=(t := Terminal())), t),
        (Progress(total=2, stream=(s := io.StringIO())), s),
    ):
        bar.step("2019-01")
        bar.close()
        assert out.getvalue() == ""
