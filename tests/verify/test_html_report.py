"""`scaffold verify --format html` (issue 11, point 9): one self-contained page, subjects × checklist sections as a
heat map. The page is opened in a real headless Chromium (Debian's chromium and chromedriver, driven by selenium):
one row per subject, a click opens a finding with its evidence, fix and attest command, the filters narrow the
rows, and the screenshot shows the heat map's colours. Repo text is escaped; the same findings give the same bytes."""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from scaffold.cli import main
from scaffold.verify import reporters
from scaffold.verify.model import Finding, Status

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def test_repo_text_is_escaped_and_the_page_is_deterministic() -> None:
    hostile = Finding(
        "SVC-CODE-01",
        Status.FAIL,
        "<script>alert('message')</script>",
        file="services/x<img src=x onerror=alert(1)>/src/app.ts",
        line=3,
        fix="</section><script>alert('fix')</script>",
        subject="service:<b>x</b>",
    )
    findings = [hostile, Finding("SVC-DOC-01", Status.NEEDS_HUMAN, "sign it", subject="service:<b>x</b>")]
    page = reporters.render("html", findings, owners={"service:<b>x</b>": "<i>team</i>"})
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>x</b>" not in page
    assert "&lt;script&gt;alert(&#39;message&#39;)&lt;/script&gt;" in page
    assert "&lt;i&gt;team&lt;/i&gt;" in page
    assert page.count("<script>") == 1  # the page's own
    assert reporters.render("html", list(reversed(findings))) == reporters.render("html", list(reversed(findings)))
    assert "http://" not in page and "https://" not in page  # nothing fetched: no CDN, no font, no image


# --- in a browser -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, object]]]:
    """A platform with two services of two owners, its HTML report and its JSON findings."""
    root = tmp_path_factory.mktemp("html") / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    for name, owner in (("billing", "money-team"), ("care-plans", "care-team")):
        argv = ["new", "service", name, "--owner", owner, "--repo", str(root), "--defaults", "--no-verify"]
        assert main(argv) == 0
    page = root.parent / "report.html"
    data = root.parent / "report.json"
    main(["verify", str(root), "--format", "html", "-o", str(page)])
    main(["verify", str(root), "--format", "json", "-o", str(data)])
    findings = json.loads(data.read_text())["findings"]
    return page, findings


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        reason = "Debian's chromium and chromium-driver are not installed (scripts/bootstrap installs them)"
        if os.environ.get("CI"):
            pytest.fail(reason)  # CI installs what it needs: missing is a failure there
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--window-size=1400,1000", f"--user-data-dir={profile}",
    ):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _visible_rows(driver: object) -> list[str]:
    from selenium.webdriver.common.by import By

    rows = driver.find_elements(By.CSS_SELECTOR, "tr.subject-row")  # type: ignore[attr-defined]
    return [row.find_element(By.CSS_SELECTOR, "th").text.split(" ")[0] for row in rows if row.is_displayed()]


def test_the_page_renders_one_row_per_subject_and_a_click_opens_a_finding(
    report: tuple[Path, list[dict[str, object]]], browser: object, tmp_path: Path
) -> None:
    from PIL import Image
    from selenium.webdriver.common.by import By

    page, findings = report
    driver = browser
    driver.get(page.as_uri())  # type: ignore[attr-defined]
    subjects = sorted({str(f.get("subject") or "repo") for f in findings})
    assert sorted(_visible_rows(driver)) == subjects

    details = driver.find_elements(By.CSS_SELECTOR, "section.cell-details")  # type: ignore[attr-defined]
    assert details and not any(section.is_displayed() for section in details)
    row = next(r for r in driver.find_elements(By.CSS_SELECTOR, "tr.subject-row")  # type: ignore[attr-defined]
               if r.find_element(By.CSS_SELECTOR, "th").text.startswith("service:billing"))
    cell = next(c for c in row.find_elements(By.CSS_SELECTOR, "td.cell") if "human" in c.get_attribute("class"))
    cell.click()
    opened = driver.find_element(By.ID, cell.get_attribute("data-cell"))  # type: ignore[attr-defined]
    assert opened.is_displayed()
    assert "service:billing" in opened.text and "needs a human" in opened.text
    assert "scaffold attest" in opened.text and "--subject service:billing" in opened.text

    shot = tmp_path / "report.png"
    driver.save_screenshot(str(shot))  # type: ignore[attr-defined]
    image = Image.open(io.BytesIO(shot.read_bytes())).convert("RGB")
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 20) or []}
    heat = {(207, 34, 46), (45, 164, 78), (212, 167, 44), (27, 124, 131), (234, 238, 242)}  # fail pass human ev na
    assert len(colours & heat) >= 3, "the heat map's colours are on screen"
    assert len(colours) > 20


def test_the_filters_narrow_the_rows(report: tuple[Path, list[dict[str, object]]], browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    page, findings = report
    driver = browser
    driver.get(page.as_uri())  # type: ignore[attr-defined]
    Select(driver.find_element(By.ID, "owner-filter")).select_by_value("care-team")  # type: ignore[attr-defined]
    rows = _visible_rows(driver)
    assert rows and all(":care-plans" in row for row in rows), rows
    Select(driver.find_element(By.ID, "owner-filter")).select_by_value("")  # type: ignore[attr-defined]
    for box in driver.find_elements(By.CSS_SELECTOR, ".status-filter"):  # type: ignore[attr-defined]
        if box.get_attribute("value") != "evidence":
            box.click()
    with_evidence = sorted({str(f.get("subject") or "repo") for f in findings if f["status"] == "needs_evidence"})
    assert sorted(_visible_rows(driver)) == with_evidence
