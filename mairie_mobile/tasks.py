from celery import shared_task

from mairie_mobile.observability import worker_heartbeat


@shared_task
def heartbeat():
    """Sent by beat every minute, run by a worker: /healthz sees both alive."""
    worker_heartbeat()
