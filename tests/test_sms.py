"""SMS: the GSM alphabet and one segment, SMS_URL, and each backend, Brevo's against a local server."""

import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from mairie_mobile import gsm, sms
from tests import brevo

MESSAGE = sms.Message(to="+33612345678", body="Mairie mobile: mar. 1/12 bus annulé.", sender="Mairie Paris 18")


# The GSM alphabet --------------------------------------------------------------------


def test_french_letters_of_the_alphabet_are_kept_and_the_others_lose_their_accent():
    assert gsm.transliterate("é è ù à ì ò Ç É Ä Ö Ñ Ü ß") == "é è ù à ì ò Ç É Ä Ö Ñ Ü ß"
    assert (
        gsm.transliterate("fenêtre, âge, île, hôtel, dû, ça, Noël, maïs")
        == "fenetre, age, ile, hotel, du, ca, Noel, mais"
    )
    assert gsm.transliterate("« Œuvre » – l’été…") == '"OEuvre" - l\'été...'
    assert gsm.transliterate("Bus 🚌") == "Bus ?"


def test_extension_characters_count_twice():
    assert gsm.is_gsm("€ [ ] { } ~ ^ | \\")
    assert gsm.length("€") == 2
    assert gsm.length("a[b]") == 6
    assert not gsm.fits("€" * 81)
    assert gsm.fits("€" * 80)


def test_a_text_out_of_the_alphabet_does_not_fit():
    assert not gsm.is_gsm("fenêtre")
    assert not gsm.fits("ê")


def test_shortening_cuts_on_a_word_with_an_ellipsis():
    assert gsm.shorten("Esplanade Nathalie Sarraute", 21) == "Esplanade Nathalie..."
    assert gsm.shorten("Esplanade Nathalie Sarraute", 20) == "Esplanade..."
    assert gsm.shorten("court", 20) == "court"


@given(st.text(max_size=400))
def test_anything_transliterated_and_shortened_fits_one_segment(text):
    shortened = gsm.shorten(gsm.transliterate(text), gsm.ONE_SEGMENT)
    assert gsm.fits(shortened)


@given(st.text(max_size=300), st.text(max_size=300))
def test_fit_shortens_the_variable_parts_first(name, reason):
    def render(name, reason):
        return f"Mairie mobile: mar. 1/12 annulé ({reason}) à {name}. mairie.fr/a/x7"

    parts = {"name": gsm.transliterate(name), "reason": gsm.transliterate(reason)}
    text = gsm.fit(render, parts)
    assert gsm.fits(text)
    assert text.startswith("Mairie mobile: mar. 1/12 annulé (")
    if gsm.length(render(**parts)) <= gsm.ONE_SEGMENT:
        assert text == render(**parts)
    else:
        assert text.endswith("mairie.fr/a/x7") or gsm.length(text) == gsm.ONE_SEGMENT


# UCS-2: Arabic and Chinese -------------------------------------------------------------


def test_french_and_english_are_written_in_gsm_arabic_and_chinese_in_ucs2():
    assert gsm.alphabet("fr") is gsm.alphabet("en") is gsm.GSM
    assert gsm.alphabet("ar") is gsm.alphabet("zh-hans") is gsm.UCS2
    assert gsm.UCS2.prepare("الحافلة « لن » تأتي") == "الحافلة « لن » تأتي"  # kept as typed
    assert gsm.UCS2.limit == 3 * 67


@pytest.mark.parametrize(
    ("text", "billed"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),  # a longer SMS goes in parts of 153
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),
        ("巴" * 70, 1),  # one character out of GSM: UCS-2, 70 in one SMS
        ("巴" * 71, 2),  # then parts of 67
        ("巴" * 134, 2),
        ("巴" * 135, 3),
        ("a" * 69 + "ê", 1),
        ("🚌" * 35, 1),  # beyond 16 bits: two characters of UCS-2 each
        ("🚌" * 36, 2),
    ],
)
def test_segments_count_what_the_provider_bills(text, billed):
    assert gsm.segments(text) == billed


def test_anything_fitted_in_ucs2_is_billed_three_sms_at_most():
    text = gsm.fit(
        lambda name: f"الحافلة لن تأتي إلى {name}. mairie.fr/a/x7", {"name": "ساحة " * 80}, alphabet=gsm.UCS2
    )
    assert gsm.UCS2.fits(text)
    assert text.endswith("mairie.fr/a/x7")
    assert gsm.segments(text) <= gsm.UCS2_PARTS


@given(st.text(max_size=400))
def test_anything_shortened_in_ucs2_stays_in_its_limit(text):
    shortened = gsm.shorten(text, gsm.UCS2.limit, gsm.UCS2.measure)
    assert gsm.ucs2_length(shortened) <= gsm.UCS2.limit
    assert gsm.segments(shortened) <= gsm.UCS2_PARTS


# SMS_URL ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "backend", "options"),
    [
        ("console://", "mairie_mobile.sms.ConsoleBackend", {}),
        ("locmem://", "mairie_mobile.sms.LocmemBackend", {}),
        ("file:///var/log/sms.log", "mairie_mobile.sms.FileBackend", {"path": "/var/log/sms.log"}),
        (
            "brevo://CLE@api.brevo.com?sender=MairieMob",
            "mairie_mobile.sms.BrevoBackend",
            {
                "api_key": "CLE",
                "endpoint": "https://api.brevo.com/v3/transactionalSMS/send",
                "sender": "MairieMob",
                "timeout": 10,
            },
        ),
        (
            "brevo+http://CLE@127.0.0.1:8025?timeout=2",
            "mairie_mobile.sms.BrevoBackend",
            {
                "api_key": "CLE",
                "endpoint": "http://127.0.0.1:8025/v3/transactionalSMS/send",
                "sender": "",
                "timeout": 2,
            },
        ),
    ],
)
def test_sms_url_chooses_the_backend(url, backend, options):
    assert sms.parse_url(url) == (backend, options)


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("twilio://sid:token@api.twilio.com", "unknown scheme 'twilio'"),
        ("file://", "needs a file path"),
        ("brevo://api.brevo.com", "needs the API key"),
        ("brevo://CLE@api.brevo.com?sender=Mairie%20mobile%20Paris", "must be 11 letters or digits"),
        ("brevo://CLE@api.brevo.com:port", "is not a number"),
        ("brevo://CLE@api.brevo.com?timeout=lent", "timeout= must be a number"),
    ],
)
def test_a_wrong_sms_url_says_what_is_wrong(url, said):
    with pytest.raises(ImproperlyConfigured, match=said):
        sms.parse_url(url)


def test_a_wrong_sms_url_stops_the_start():
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "mairie_mobile.settings", "SMS_URL": "sms://x"}
    script = "import django; django.setup()"
    run = subprocess.run([sys.executable, "-c", script], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True)
    assert run.returncode != 0
    assert "SMS_URL: unknown scheme 'sms'" in run.stderr


# Console, file, locmem -------------------------------------------------------------------


def test_the_console_backend_prints_the_sms(capsys):
    assert sms.get_connection("console://").send_messages([MESSAGE]) == 1
    printed = capsys.readouterr().out
    assert "+33612345678" in printed
    assert MESSAGE.body in printed


def test_the_file_backend_appends_a_line_per_sms(tmp_path):
    path = tmp_path / "sms.log"
    with sms.get_connection(f"file://{path}") as connection:
        assert connection.send_messages([MESSAGE, MESSAGE]) == 2
    sms.get_connection(f"file://{path}").send_messages([MESSAGE])
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(lines) == 3
    assert lines[0]["to"] == "+33612345678"
    assert lines[0]["body"] == MESSAGE.body


def test_the_locmem_backend_keeps_the_sms_in_its_outbox(sms_outbox):
    sms.get_connection().send_messages([MESSAGE])
    assert sms_outbox == [MESSAGE]


# Brevo -------------------------------------------------------------------------------------


@pytest.fixture
def fake_brevo():
    with brevo.FakeBrevo() as server:
        yield server


def test_brevo_gets_the_sms_as_its_api_documents_it(fake_brevo):
    assert sms.get_connection(fake_brevo.url).send_messages([MESSAGE]) == 1
    (request,) = fake_brevo.requests
    assert request["path"] == "/v3/transactionalSMS/send"
    assert request["headers"]["api-key"] == brevo.API_KEY
    assert request["headers"]["content-type"] == "application/json"
    assert request["json"] == {
        "sender": "MairieParis",  # 11 letters or digits: what operators take
        "recipient": "33612345678",
        "content": MESSAGE.body,
        "type": "transactional",
        "unicodeEnabled": False,
    }


def test_brevo_is_asked_for_unicode_only_for_what_gsm_cannot_write(fake_brevo):
    arabic = sms.Message(to="+33612345678", body="الحافلة لن تأتي", sender="Mairie")
    sms.get_connection(fake_brevo.url).send_messages([MESSAGE, arabic])
    assert [request["json"]["unicodeEnabled"] for request in fake_brevo.requests] == [False, True]
    assert fake_brevo.requests[1]["json"]["content"] == "الحافلة لن تأتي"


def test_brevo_without_the_sender_of_the_message_uses_the_url_s():
    with brevo.FakeBrevo() as server:
        sms.get_connection(server.url).send_messages([sms.Message(to="+262692123456", body="Bonjour")])
    assert server.requests[0]["json"]["sender"] == "MairieMob"
    assert server.requests[0]["json"]["recipient"] == "262692123456"


def test_a_number_brevo_refuses_is_refused_for_good(fake_brevo):
    fake_brevo.answers = [brevo.INVALID_RECIPIENT]
    with pytest.raises(sms.RecipientRefused, match="invalid_parameter Invalid phone number"):
        sms.get_connection(fake_brevo.url).send_messages([MESSAGE])


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (brevo.NO_CREDITS, "Brevo 402: not_enough_credits"),
        (brevo.UNAVAILABLE, "Brevo 503: service_unavailable"),
        ((500, {"code": "internal_error", "message": "oops"}), "Brevo 500"),
    ],
)
def test_what_may_pass_later_is_a_sending_failure_to_retry(fake_brevo, answer, said):
    fake_brevo.answers = [answer]
    with pytest.raises(sms.SendingFailed, match=said) as raised:
        sms.get_connection(fake_brevo.url).send_messages([MESSAGE])
    assert not isinstance(raised.value, sms.RecipientRefused)


def test_a_wrong_api_key_is_a_sending_failure(fake_brevo):
    url = fake_brevo.url.replace(brevo.API_KEY, "mauvaise-cle")
    with pytest.raises(sms.SendingFailed, match="Brevo 401: unauthorized"):
        sms.get_connection(url).send_messages([MESSAGE])


def test_a_brevo_that_does_not_answer_in_time_is_a_sending_failure(fake_brevo):
    fake_brevo.delay = 1.5
    with pytest.raises(sms.SendingFailed, match="unreachable"):
        sms.get_connection(fake_brevo.url + "&timeout=0.5").send_messages([MESSAGE])


def test_a_brevo_nobody_listens_to_is_a_sending_failure():
    with brevo.FakeBrevo() as server:
        url = server.url
    with pytest.raises(sms.SendingFailed, match="unreachable"):
        sms.get_connection(url + "&timeout=1").send_messages([MESSAGE])
