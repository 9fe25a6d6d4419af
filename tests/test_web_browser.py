"""The web interface in a real browser: Debian's chromium, headless, driven by Selenium.

Logs in, searches, opens a score and turns its pages, at phone and tablet
size.  The screenshots go to the test's folder, and also to docs/screenshots/
when CLAMP_DESKTOP_SCREENSHOTS=1 (how the README's pictures are retaken).
Nothing is downloaded: the system's chromium and chromedriver are used, and
the test skips (saying so) where they are not installed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest

from tests.web_helpers import PASSWORD, basic, password_file, start

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
DOCS_SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
DEVICES = {"phone": (390, 844, 2), "tablet": (820, 1180, 1)}   # CSS pixels and pixel ratio
DARK = {"tablet"}                                                # shown as with the system's dark mode on

if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    pytest.skip("chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)",
                allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
from selenium.webdriver.common.actions import interaction  # noqa: E402
from selenium.webdriver.common.actions.action_builder import ActionBuilder  # noqa: E402
from selenium.webdriver.common.actions.pointer_input import PointerInput  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

WAIT_S = 120


@pytest.fixture(scope="module")
def server(web_library, tmp_path_factory):
    with start(web_library, password_file(tmp_path_factory.mktemp("pw"))) as running:
        yield running


def browser(device: str):
    width, height, ratio = DEVICES[device]
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--no-first-run", "--disable-extensions", "--hide-scrollbars"):
        options.add_argument(argument)
    options.add_experimental_option("mobileEmulation", {
        "deviceMetrics": {"width": width, "height": height, "pixelRatio": ratio, "touch": True}})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=str(CHROMEDRIVER)))
    if device in DARK:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                               {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    return driver


def shot(driver, name: str, folder: Path) -> None:
    path = folder / f"{name}.png"
    assert driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000                     # a picture, not a blank page
    if os.environ.get("CLAMP_DESKTOP_SCREENSHOTS") == "1":
        shutil.copy(path, DOCS_SHOTS / path.name)


def longest_piece(server) -> tuple[int, int]:
    """(id, pages) of the piece with the most pages, asked of the API."""
    with httpx.Client(base_url=server.url, headers=basic(), timeout=WAIT_S) as http:
        ids = [row["id"] for row in http.get("/api/search", params={"mode": "filter"}).json()["results"]]
        pages = {piece_id: http.get(f"/api/pieces/{piece_id}").json()["pages"] for piece_id in ids}
    best = max(pages, key=pages.get)
    return best, pages[best]


def swipe(driver, element, dx: int) -> None:
    """A finger put down in the middle of ``element`` and moved ``dx`` pixels sideways."""
    finger = PointerInput(interaction.POINTER_TOUCH, "finger")
    actions = ActionBuilder(driver, mouse=finger)
    actions.pointer_action.move_to(element).pointer_down().move_by(dx, 0).pointer_up()
    actions.perform()


def page_shown(driver, number: int, pages: int):
    """A wait condition: page ``number`` is the one displayed, and its picture has loaded."""
    def condition(_):
        image = driver.find_element(By.ID, "page")
        return (driver.find_element(By.ID, "page-number").text == f"{number} / {pages}"
                and image.get_attribute("src").endswith(f"/pages/{number}.svg")
                and driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", image))
    return condition


@pytest.mark.parametrize("device", sorted(DEVICES))
def test_a_browser_logs_in_searches_opens_a_score_and_turns_a_page(server, device, tmp_path):
    target, pages = longest_piece(server)
    assert pages >= 2, "the test library needs a score of two pages or more"
    driver = browser(device)
    # The page re-renders its lists as answers arrive: an element read mid-render is looked up again.
    wait = WebDriverWait(driver, WAIT_S, ignored_exceptions=(StaleElementReferenceException,))
    try:
        driver.get(server.url + "/")
        wait.until(lambda d: d.current_url.endswith("/login"))
        driver.find_element(By.ID, "password").send_keys("a wrong guess", Keys.ENTER)
        wait.until(lambda d: "Wrong password" in d.find_element(By.CLASS_NAME, "error").text)
        driver.find_element(By.ID, "password").send_keys(PASSWORD, Keys.ENTER)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#results .result"))
        theme = driver.execute_script("return document.documentElement.dataset.theme")
        assert theme == ("dark" if device in DARK else "light")

        search = driver.find_element(By.ID, "q")
        search.send_keys("a four-part chorale", Keys.ENTER)
        wait.until(lambda d: "chorale" in d.current_url and "piece" in d.find_element(By.ID, "message").text)
        # the opening listing also says "N pieces": wait for the search's own rows, which carry a score
        scores = wait.until(lambda d: [e.text for e in d.find_elements(By.CSS_SELECTOR, "#results .result .score")])
        assert scores and all(text.startswith("cos ") for text in scores)
        shot(driver, f"web-{device}-search", tmp_path)

        driver.find_element(By.CSS_SELECTOR, f'#results .result[data-id="{target}"]').click()
        wait.until(page_shown(driver, 1, pages))
        shot(driver, f"web-{device}-score", tmp_path)

        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)       # a pedal or a keyboard
        wait.until(page_shown(driver, 2, pages))
        stage = driver.find_element(By.ID, "stage")
        webdriver.ActionChains(driver).move_to_element_with_offset(stage, -stage.size["width"] // 2 + 10, 0) \
            .click().perform()                                                      # a tap on the left
        wait.until(page_shown(driver, 1, pages))
        stage.click()                                                               # a tap in the middle
        wait.until(page_shown(driver, 2, pages))
        assert driver.current_url.endswith(f"#piece={target}&page=2")
        swipe(driver, stage, 150)                                                   # a swipe to the right
        wait.until(page_shown(driver, 1, pages))

        driver.find_element(By.ID, "similar-button").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#similar .result"))
        assert not driver.find_elements(By.CSS_SELECTOR, f'#similar .result[data-id="{target}"]')

        driver.find_element(By.ID, "back").click()
        wait.until(lambda d: d.find_element(By.ID, "library").is_displayed())
        assert driver.find_element(By.ID, "q").get_attribute("value") == "a four-part chorale"

        driver.find_element(By.CSS_SELECTOR, "#facets summary").click()                 # browse by composer
        chip = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#facet-lists .facet .chip"))[0]
        count_text = chip.find_element(By.CLASS_NAME, "count").text
        composer, count = chip.text.removesuffix(count_text).strip(), int(count_text)
        chip.click()
        wait.until(lambda d: "composer" in d.find_element(By.ID, "q").get_attribute("value")
                   and len(d.find_elements(By.CSS_SELECTOR, "#results .result")) == count)
        names = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#results .result .composer")]
        assert len(names) == count and all(composer in name for name in names)
    finally:
        driver.quit()
