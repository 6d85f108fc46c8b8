"""The site's icon and web app manifest: a resident can put the timetable on a phone's home screen."""

import json
import re
import struct

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from tests.conftest import text_of

pytestmark = pytest.mark.django_db


def static_file(url):
    """The bytes of the static file at `url`."""
    found = finders.find(url.removeprefix(settings.STATIC_URL))
    assert found, f"{url} is not a static file"
    with open(found, "rb") as file:
        return file.read()


def png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_favicon_ico_is_an_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    icon = static_file(response.url)
    assert icon[:4] == b"\0\0\1\0"  # an ICO file
    count = struct.unpack("<H", icon[4:6])[0]
    sizes = [icon[6 + 16 * i] for i in range(count)]
    assert 32 in sizes


def test_the_manifest_lets_a_phone_install_the_timetable(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Mairie mobile"
    assert manifest["short_name"]
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["background_color"] == "#ffffff"
    sizes = {}
    for icon in manifest["icons"]:
        assert icon["type"] == "image/png"
        sizes[icon["sizes"]] = png_size(static_file(icon["src"]))
    assert sizes == {"192x192": (192, 192), "512x512": (512, 512)}


def test_the_theme_colour_is_the_header_s(client):
    navy = re.search(r"--mm-navy: (#[0-9a-f]{6});", static_file("/static/css/mairie-mobile.css").decode()).group(1)
    assert json.loads(client.get("/manifest.webmanifest").content)["theme_color"] == navy
    assert f'name="theme-color" content="{navy}"' in text_of(client.get("/"))


def test_every_page_links_the_icons_and_the_manifest(client):
    text = text_of(client.get("/"))
    assert '<link rel="manifest" href="/manifest.webmanifest">' in text
    assert 'type="image/svg+xml"' in text
    for url in ("icons/favicon.ico", "icons/favicon.svg", "icons/icon-192.png"):
        assert f'href="/static/{url}' in text
