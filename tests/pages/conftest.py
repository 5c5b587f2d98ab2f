"""Page tests in a real headless Chromium: Debian's /usr/bin/chromium driven by Playwright.

`make test` installs Chromium (the `chromium` target) and Playwright (the dev extras); nothing
here runs `playwright install`. The app is the real one, served over real HTTP on a SQLite file.

Fixtures:
    browser   (session)  the Chromium browser
    viewport  (function) the page's viewport: DESKTOP unless a test parametrises it, e.g.
                         `@both_viewports` or `@pytest.mark.parametrize("viewport", [PHONE])`
    page      (function) a fresh page in a fresh context (no shared cookies or storage); a
                         Content-Security-Policy violation on it fails the test
    app_url   (function) base URL of the app on an empty ledger
    demo_url  (function) base URL of the app on the demo ledger (`seeded`)
    seeded    (function) the demo ledger; learner names to ids

Helpers: `screenshot(page, name)` and `assert_accessible_basics(page)`. When a test that uses
`page` fails, a screenshot of the page goes to test-output/screenshots/failures/.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Error, Page, sync_playwright

from passport.settings import Settings
from tests.passport.server import serving

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
TIMEOUT_MS = 10_000
_CALL_REPORT = pytest.StashKey[pytest.TestReport]()


@dataclass(frozen=True)
class Viewport:
    """A browser window size; the phone one also reports itself as a touch device."""

    name: str
    width: int
    height: int
    is_mobile: bool = False


DESKTOP = Viewport("desktop", 1280, 800)
PHONE = Viewport("phone", 390, 844, is_mobile=True)

both_viewports = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=lambda v: v.name)
"""Runs a test once on a phone-sized page and once on a desktop one."""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A fresh ledger on a SQLite file (the page tests need not repeat every store)."""
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'passport.sqlite3'}",
        base_url="https://passport.test",
        key_dir=tmp_path / "keys",
        key_passphrase="correct horse battery staple",
        _env_file=None,
    )


@pytest.fixture
def app_url(settings: Settings) -> Iterator[str]:
    """The app on an empty ledger, served over real HTTP; yields its base URL."""
    with serving(settings) as base:
        yield base


@pytest.fixture
def demo_url(settings: Settings, seeded: dict[str, str]) -> Iterator[str]:
    """The app on the demo ledger, served over real HTTP; yields its base URL."""
    with serving(settings) as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, for the whole run."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the page tests drive Debian's Chromium. "
            "`make test` installs it (or run `make chromium`, as root).",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                # We run as root, where Chromium's sandbox cannot start; containers often have
                # a small /dev/shm.
                args=["--no-sandbox", "--disable-dev-shm-usage"],
            )
        except Error as e:
            pytest.fail(f"could not launch {CHROMIUM}: {e}", pytrace=False)
        yield chromium
        chromium.close()


@pytest.fixture
def viewport() -> Viewport:
    """The page's size; parametrise this name (see `both_viewports`) to change it."""
    return DESKTOP


@pytest.fixture
def page(browser: Browser, viewport: Viewport, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A new page in its own context, sized by `viewport`."""
    context = browser.new_context(
        viewport={"width": viewport.width, "height": viewport.height},
        is_mobile=viewport.is_mobile,
        has_touch=viewport.is_mobile,
        locale="en-GB",
        timezone_id="Europe/London",
    )
    context.set_default_timeout(TIMEOUT_MS)
    new_page = context.new_page()
    csp_violations: list[str] = []
    new_page.on(
        "console",
        lambda m: csp_violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    try:
        yield new_page
        report = request.node.stash.get(_CALL_REPORT, None)
        if report is not None and report.failed and not new_page.is_closed():
            screenshot(new_page, "failures/" + request.node.nodeid.replace("/", "."))
    finally:
        context.close()
    assert not csp_violations, "the page broke its Content-Security-Policy:\n" + "\n".join(
        csp_violations
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keeps the test's outcome on the item, so `page` can screenshot a failure."""
    report = yield
    if report.when == "call":
        item.stash[_CALL_REPORT] = report
    return report


def screenshot(page: Page, name: str) -> Path:
    """Saves a full-page PNG as test-output/screenshots/<name>.png and returns its path.

    Name it for what a person will look for, e.g. f"passport-{viewport.name}" in a test that
    runs on both viewports, or the two runs overwrite each other.
    """
    safe = re.sub(r"[^A-Za-z0-9._/-]+", "-", name).strip("-/")
    path = SCREENSHOTS / f"{safe}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=True, animations="disabled")
    return path


_ACCESSIBILITY_PROBLEMS = """
() => {
  const problems = [];
  const text = (el) => (el ? (el.textContent || "").trim() : "");
  const describe = (el) => {
    const id = el.id ? "#" + el.id : "";
    const name = el.getAttribute("name") ? `[name=${el.getAttribute("name")}]` : "";
    return `<${el.tagName.toLowerCase()}${id}${name}>`;
  };
  const labelledBy = (el) => (el.getAttribute("aria-labelledby") || "")
    .split(/\\s+/).filter(Boolean)
    .some((id) => text(document.getElementById(id)) !== "");

  if (!(document.documentElement.getAttribute("lang") || "").trim()) {
    problems.push("<html> has no lang attribute");
  }

  const h1s = document.querySelectorAll("h1").length;
  if (h1s !== 1) problems.push(`expected exactly one <h1>, found ${h1s}`);

  let previous = 0;
  for (const h of document.querySelectorAll("h1, h2, h3, h4, h5, h6")) {
    const level = Number(h.tagName[1]);
    if (previous && level > previous + 1) {
      problems.push(`heading level skipped: <h${previous}> then <h${level}> "${text(h)}"`);
    }
    previous = level;
  }

  const controls = document.querySelectorAll(
    "input:not([type=hidden]):not([type=submit]):not([type=button])" +
    ":not([type=reset]):not([type=image]), select, textarea"
  );
  for (const el of controls) {
    const byLabel = Array.from(el.labels || []).some((l) => text(l) !== "");
    const byAria = (el.getAttribute("aria-label") || "").trim() !== "";
    if (!byLabel && !byAria && !labelledBy(el)) {
      problems.push(`form control without a label: ${describe(el)}`);
    }
  }

  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) {
      problems.push(`<img src="${img.getAttribute("src")}"> has no alt attribute`);
    }
  }
  for (const el of document.querySelectorAll("[role=img]:not(img)")) {
    const title = el.querySelector(":scope > title");
    const named = (el.getAttribute("aria-label") || "").trim() !== "" || labelledBy(el)
      || text(title) !== "" || (el.getAttribute("title") || "").trim() !== "";
    if (!named) problems.push(`${describe(el)} with role="img" has no title or aria-label`);
  }
  return problems;
}
"""

# Tab from the top of the page: focus a throwaway element that sequential navigation skips.
_FOCUS_START = """
() => {
  window.__focusSeen = new WeakSet();
  const start = document.createElement("span");
  start.id = "__focus-start";
  start.tabIndex = -1;
  document.body.prepend(start);
  start.focus();
}
"""

_FOCUS_STYLE = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  if (window.__focusSeen.has(el)) return null;  // wrapped round to the start
  window.__focusSeen.add(el);
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow !== "none";
  const tag = el.tagName.toLowerCase();
  return {
    kind: tag === "a" || tag === "button" || el.getAttribute("role") === "button"
      ? "control" : "other",
    element: `<${tag}> "${(el.textContent || el.getAttribute("aria-label") || "").trim()}"`,
    visible: el.matches(":focus-visible") && (outline || shadow),
  };
}
"""


def assert_accessible_basics(page: Page, *, max_tabs: int = 20) -> None:
    """Fails listing every basic accessibility problem on the page as loaded now.

    Checks: <html lang>, exactly one <h1>, no skipped heading levels, a label (a <label>,
    aria-label or aria-labelledby) on every form control, alt on every <img> (alt="" marks a
    decorative one), a title or aria-label on every other role="img" (an <svg>), and a visible
    focus style (outline or box-shadow under :focus-visible) on the links and buttons reached by
    the first `max_tabs` presses of Tab. It moves the keyboard focus, so call it before typing.
    """
    problems: list[str] = page.evaluate(_ACCESSIBILITY_PROBLEMS)
    page.evaluate(_FOCUS_START)
    try:
        for _ in range(max_tabs):
            page.keyboard.press("Tab")
            focused: dict[str, str | bool] | None = page.evaluate(_FOCUS_STYLE)
            if focused is None:
                break  # focus left the page, or came round again
            if focused["kind"] == "control" and not focused["visible"]:
                problems.append(f"no visible focus style on {focused['element']}")
    finally:
        page.evaluate("() => document.getElementById('__focus-start')?.remove()")
    assert not problems, f"accessibility problems on {page.url}:\n  " + "\n  ".join(problems)


AXE = Path(__file__).parent / "vendor" / "axe.min.js"  # axe-core 4.14.1 (scripts/vendor_assets.sh)


def assert_no_axe_violations(page: Page) -> None:
    """Fails listing what axe-core (WCAG 2.2 A and AA rules, and best practice) finds on the page
    as it is now. axe is evaluated through the DevTools protocol, which the page's CSP does not
    govern, so the page's own policy stays as strict as in production."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    violations: list[dict[str, object]] = page.evaluate(
        """async () => (await axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                            "wcag22aa", "best-practice"]},
        })).violations.map(v => ({id: v.id, help: v.help,
                                  nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}))"""
    )
    assert not violations, f"axe-core violations on {page.url}:\n  " + "\n  ".join(
        f"{v['id']}: {v['help']} at {v['nodes']}" for v in violations
    )


def assert_no_sideways_scroll(page: Page) -> None:
    """Fails if the page is wider than the window (a phone user would scroll sideways), naming
    the widest elements that stick out."""
    overflow: dict[str, object] = page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const wide = [...document.querySelectorAll("body *")]
            .filter(el => el.getBoundingClientRect().right > width + 1)
            .slice(0, 5)
            .map(el => `<${el.tagName.toLowerCase()} class="${el.className}">`);
          return {scroll: document.documentElement.scrollWidth, width, wide};
        }"""
    )
    assert overflow["scroll"] == overflow["width"], f"sideways scroll on {page.url}: {overflow}"
