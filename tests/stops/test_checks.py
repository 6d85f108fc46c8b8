"""The system checks of the stops app (`manage.py check`)."""

from stops.checks import sms_fit_in_one_segment


def test_an_address_too_long_for_an_sms_to_keep_its_links_is_said_at_the_start(settings):
    settings.SMS_URL = "locmem://"
    settings.SITE_URL = "https://mairie-mobile.paris.fr"
    assert sms_fit_in_one_segment(None) == []
    settings.SITE_URL = "https://services.une-communaute-de-communes-au-nom-long.example.fr/mairie-mobile/public"
    [warning] = sms_fit_in_one_segment(None)
    assert warning.id == "stops.W001"
    assert "the link to stop the SMS, would be cut" in warning.msg
    settings.SMS_URL = ""  # no SMS: nothing to say
    assert sms_fit_in_one_segment(None) == []
