"""One page registry: it feeds st.navigation and the smoke tests (a new page gets tested for free)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SCRIPTS = Path(__file__).parent / "page_scripts"


@dataclass(frozen=True)
class PageSpec:
    module: str  # oms_dash.ui.pages.<module> with a render() function
    title: str
    icon: str
    section: str
    in_meeting: bool = True  # False: hidden in meeting mode (it shows file names, codes or notes)

    @property
    def script(self) -> str:
        return str(SCRIPTS / f"{self.module}.py")

    @property
    def url_path(self) -> str:
        return self.module.replace("_", "-")


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview", "Overview", ":material/dashboard:", "Group"),
    PageSpec("compare", "Compare patterns", ":material/stacked_line_chart:", "Group"),
    PageSpec("member", "Member view", ":material/person:", "Group"),
    PageSpec("upload", "Upload logs", ":material/upload_file:", "Data", in_meeting=False),
    PageSpec("report", "Meeting report", ":material/slideshow:", "Share"),
    PageSpec("reference", "Reference", ":material/menu_book:", "Learn"),
    PageSpec("privacy", "Privacy & about", ":material/shield:", "Learn"),
)
