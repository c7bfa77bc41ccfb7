"""Background work of certificates: thin tasks that take ids and call the services.

Issuing runs in batches (settings.CERTIFICATE_TASK_BATCH_SIZE registrations per task, default
20) so that a worker keeps its parsed stylesheet and fonts warm and the queue handles 150 rows
rather than 3,000 for a large session; a batch commits its certificates five at a time
(`certificate_services.ISSUE_STEP`). The emails go through the outbox (registrations/outbox.py).
A batch whose worker died is run again by registrations/task_recovery.py: issuing is idempotent.
"""

from django.contrib.auth import get_user_model
from django.tasks import task

from registrations import certificate_services


@task
def issue_certificates_batch(*, registration_ids: list[int], actor_id: int | None = None) -> int:
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    return certificate_services.issue_certificates(registration_ids=registration_ids, actor=actor)
