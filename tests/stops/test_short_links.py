"""Short links (`/a/<code>/`) to a stop's page, for SMS and posters."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stops import links
from tests.factories import StopFactory


@given(st.integers(min_value=1, max_value=10**9))
def test_every_stop_has_one_code_and_the_code_leads_back_to_it(pk):
    assert links.stop_pk(links.code(pk)) == pk


def test_codes_are_short_and_spare_the_characters_people_confuse():
    assert len(links.code(1)) == 2
    assert len(links.code(960)) == 2
    assert len(links.code(3_000)) == 3
    assert not set("01ilo") & set(links.code(123_456_789))


# "22x7" is the number of "x7" spelled otherwise: one spelling only.
@pytest.mark.parametrize("typed", ["", "x", "22", "0x", "x-7", "é7", "22x7", "x" * 9])
def test_what_spells_no_code_leads_nowhere(typed):
    assert links.stop_pk(typed) is None


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["/", ""])
def test_a_short_link_leads_to_the_stop_page_with_or_without_its_last_slash(client, suffix, settings):
    settings.SITE_URL = "https://mairie-mobile.example.fr"
    stop = StopFactory(slug="nathalie-sarraute")
    url = links.short_url(stop)
    assert url == f"https://mairie-mobile.example.fr/a/{links.code(stop.pk)}"
    assert links.printed(url) == f"mairie-mobile.example.fr/a/{links.code(stop.pk)}"

    response = client.get(f"/a/{links.code(stop.pk)}{suffix}")
    assert response.status_code == 302
    assert response["Location"] == "/arrets/nathalie-sarraute/"
    # Typed on a phone that capitalised it.
    assert client.get(f"/a/{links.code(stop.pk).upper()}").status_code == 302


@pytest.mark.django_db
def test_a_short_link_of_no_stop_or_of_a_stop_withdrawn_is_a_404(client):
    withdrawn = StopFactory(active=False)
    assert client.get(f"/a/{links.code(withdrawn.pk)}").status_code == 404
    assert client.get("/a/zzzzzzzz").status_code == 404
    assert client.get("/a/0o1l").status_code == 404
