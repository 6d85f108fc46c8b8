"""The production settings, plus one minimal view for the load benchmark's floor."""

from mairie_mobile.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
