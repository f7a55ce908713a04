"""The scheduler's side of webhooks: fan each event of the outbox out to the subscriptions that
match it, then send what is due, signed (Standard Webhooks), in order per complaint.

At least once: a delivery is marked succeeded only after a 2xx answer, in a transaction of its
own committed right after the request. In order: a delivery waits while an earlier event of the
same complaint is still pending for the same subscription. A failure is retried with exponential
backoff for three days; then the delivery is given up, the subscription disabled and the admin
told by e-mail (the notifications outbox). Nothing here runs inside a request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, aliased
from standardwebhooks.webhooks import Webhook

from backend.auth.models import ApiClient, User
from backend.complaints.models import Complaint
from backend.config import public_base_url
from backend.db import now_utc
from backend.db.engine import begin_write
from backend.db.writes import Rows, insert_rows, with_defaults
from backend.errors import ValidationFailed
from backend.notifications import service as outbox
from backend.webhooks import payloads
from backend.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from backend.webhooks.service import check_url

FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=12)
# retries stop this long after the first attempt: the delivery is given up
GIVE_UP_AFTER = timedelta(days=3)
EXCERPT_CHARS = 500
# settled deliveries, their attempts and their events are kept this long for the admins' log
KEPT_FOR = timedelta(days=30)
# the purge of what was kept long enough runs at most this often (per scheduler process)
PURGE_EVERY = timedelta(hours=1)
_last_purge: dict[str, datetime] = {}
USER_AGENT = "Aduan-Webhooks/1.0"


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: 30 s, 1, 2, 4 ... minutes, at most 12 hours."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


@dataclass
class WebhookRun:
    """What one run of the job did."""

    fanned_out: int = 0
    succeeded: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    disabled: list[int] = field(default_factory=list)
    purged: int = 0


def _matches(
    subscription: WebhookSubscription, event: WebhookEvent, category_id: int | None
) -> bool:
    return (
        event.type in subscription.event_types
        # a subscription hears of what happens from its making on, not of earlier events that
        # merely waited for the scheduler
        and event.occurred_at >= subscription.created_at
        and subscription.agency_id in (None, event.agency_id)
        and subscription.category_id in (None, category_id)
    )


def fan_out(*, session: Session, now: datetime, limit: int = 1000) -> int:
    """One delivery per waiting event and matching subscription, in one transaction; how many
    events were fanned out. A subscription made later does not get earlier events."""
    begin_write(session)
    query = (
        select(WebhookEvent)
        .where(WebhookEvent.fanned_out_at.is_(None))
        .order_by(WebhookEvent.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    events = list(session.scalars(query))
    if not events:
        session.rollback()
        return 0
    subscriptions = list(session.scalars(select(WebhookSubscription)))
    complaints = dict(
        session.execute(
            select(Complaint.id, Complaint.category_id).where(
                Complaint.id.in_({event.complaint_id for event in events})
            )
        ).all()
    )
    rows: list[dict[str, Any]] = []
    for event in events:
        category_id = event.category_id or complaints.get(event.complaint_id)
        rows.extend(
            with_defaults(
                WebhookDelivery.__table__,
                {
                    "subscription_id": subscription.id,
                    "event_id": event.id,
                    "complaint_id": event.complaint_id,
                    "status": DeliveryStatus.PENDING,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "first_tried_at": None,
                    "created_at": now,
                    "delivered_at": None,
                },
            )
            for subscription in subscriptions
            if _matches(subscription, event, category_id)
        )
        event.fanned_out_at = now
    session.flush()
    insert_rows(session, Rows(WebhookDelivery.__table__, rows), skip_conflicts=True)
    session.commit()
    return len(events)


def next_due(
    *, session: Session, now: datetime, passing_over: frozenset[int] = frozenset()
) -> WebhookDelivery | None:
    """The next delivery to send: pending, due, of an active subscription not in
    `passing_over`, and no earlier event of the same complaint still pending for that
    subscription (in order per complaint). Locked with SKIP LOCKED on PostgreSQL."""
    earlier = aliased(WebhookDelivery)
    waits = (
        select(earlier.id)
        .where(
            earlier.subscription_id == WebhookDelivery.subscription_id,
            earlier.complaint_id == WebhookDelivery.complaint_id,
            earlier.status == DeliveryStatus.PENDING,
            earlier.event_id < WebhookDelivery.event_id,
        )
        .exists()
    )
    query = (
        select(WebhookDelivery)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= now,
            WebhookSubscription.is_active.is_(True),
            WebhookDelivery.subscription_id.not_in(passing_over),
            ~waits,
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.event_id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=WebhookDelivery, skip_locked=True)
    return session.scalars(query).first()


def signature(subscription: WebhookSubscription, msg_id: str, at: datetime, body: bytes) -> str:
    """The webhook-signature header: the current secret's, and during a rotation the previous
    one's too, space-separated as the Standard Webhooks specification says."""
    signatures = [Webhook(subscription.secret).sign(msg_id, at, body)]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret and expires is not None and at < expires:
        signatures.append(Webhook(subscription.previous_secret).sign(msg_id, at, body))
    return " ".join(signatures)


@dataclass
class Answer:
    """What one HTTP request got: a status and body excerpt, or an error."""

    status_code: int | None = None
    excerpt: str | None = None
    error: str | None = None
    latency_ms: int = 0

    @property
    def succeeded(self) -> bool:
        """A 2xx answer."""
        return self.status_code is not None and 200 <= self.status_code < 300


def http_client(timeout: float) -> httpx.Client:
    """The HTTP client of a run (its connections kept alive between deliveries): the timeout
    applies to connecting, writing and each read; redirects are not followed (a receiver must
    give its final URL)."""
    return httpx.Client(timeout=timeout, follow_redirects=False)


def post(client: httpx.Client, url: str, headers: dict[str, str], body: bytes) -> Answer:
    """POST the body; never raises (a refused connection or a timeout is an answer too)."""
    started = time.perf_counter()
    answer = Answer()
    try:
        response = client.post(url, content=body, headers=headers)
        answer.status_code = response.status_code
        answer.excerpt = response.text[:EXCERPT_CHARS]
    except httpx.HTTPError as error:
        answer.error = f"{type(error).__name__}: {error}"[:500]
    answer.latency_ms = round((time.perf_counter() - started) * 1000)
    return answer


@dataclass
class Request:
    """One signed request, prepared in a transaction and sent outside any."""

    delivery_id: int
    subscription_id: int
    url: str
    headers: dict[str, str]
    body: bytes


def prepare(
    *, session: Session, delivery: WebhookDelivery, now: datetime, lease: timedelta, run: WebhookRun
) -> Request | None:
    """The signed request of a delivery, which is leased meanwhile (moved `lease` ahead, so no
    other run takes it; a crash before the answer is recorded only means it is sent again).
    None when its subscriber may not see the complaint: the delivery is skipped."""
    subscription = session.get_one(WebhookSubscription, delivery.subscription_id)
    event = session.get_one(WebhookEvent, delivery.event_id)
    body = payloads.render(session, subscription, event)
    if body is None:
        delivery.status = DeliveryStatus.SKIPPED
        run.skipped.append(delivery.id)
        return None
    if delivery.first_tried_at is None:
        delivery.first_tried_at = now
    delivery.next_attempt_at = now + lease
    msg_id = f"msg_{event.id}"
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature(subscription, msg_id, now, body),
    }
    return Request(
        delivery_id=delivery.id,
        subscription_id=subscription.id,
        url=subscription.url,
        headers=headers,
        body=body,
    )


def record(
    *, session: Session, request: Request, answer: Answer, now: datetime, run: WebhookRun
) -> None:
    """Log the attempt and settle the delivery: done, retried later, or given up (the
    subscription then disabled and its admin told). The caller commits."""
    delivery = session.get_one(WebhookDelivery, request.delivery_id)
    subscription = session.get_one(WebhookSubscription, delivery.subscription_id)
    delivery.attempts += 1
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            subscription_id=subscription.id,
            attempted_at=now,
            succeeded=answer.succeeded,
            status_code=answer.status_code,
            latency_ms=answer.latency_ms,
            response_excerpt=answer.excerpt,
            error=answer.error,
        )
    )
    if answer.succeeded:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.delivered_at = now
        run.succeeded.append(delivery.id)
    elif now - (delivery.first_tried_at or now) >= GIVE_UP_AFTER:
        delivery.status = DeliveryStatus.FAILED
        run.failed.append(delivery.id)
        disable(session=session, subscription=subscription, now=now)
        run.disabled.append(subscription.id)
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
        run.retried.append(delivery.id)


def attempt(request: Request, *, client: httpx.Client, allow_private: bool) -> Answer:
    """Send one prepared request, its URL checked again (the name may resolve elsewhere now)."""
    try:
        check_url(request.url, allow_private=allow_private)
    except ValidationFailed:
        return Answer(error="address refused: the URL resolves to a private address")
    return post(client, request.url, request.headers, request.body)


def _admin_email(session: Session, subscription: WebhookSubscription) -> str | None:
    """Who answers for a subscription: the admin who made it, or the one who made the client."""
    user_id = subscription.created_by_id
    if subscription.api_client_id is not None:
        client = session.get(ApiClient, subscription.api_client_id)
        user_id = client.created_by_id if client is not None else None
    user = session.get(User, user_id) if user_id else None
    return user.email if user is not None else None


def disable(*, session: Session, subscription: WebhookSubscription, now: datetime) -> None:
    """Turn a subscription off after three days of failures and tell its admin; what waits for
    it stays queued and goes, in order, once it is turned back on."""
    subscription.is_active = False
    subscription.disabled_at = now
    subscription.disabled_reason = "repeated_failure"
    email = _admin_email(session, subscription)
    if email is None:
        return
    outbox.enqueue(
        session=session,
        dedupe_key=f"webhook-disabled:{subscription.id}:{now.isoformat()}",
        recipient=email,
        audience="staff",
        subject="[Aduan] Webhook dinonaktifkan / Webhook disabled",
        body=(
            f"Langganan webhook #{subscription.id} ke {subscription.url} dinonaktifkan: "
            "pengirimannya gagal terus selama 3 hari. Periksa penerimanya, lalu aktifkan "
            "kembali langganan ini; peristiwa yang tertunda akan dikirim berurutan.\n\n"
            f"Webhook subscription #{subscription.id} to {subscription.url} was disabled: "
            "its deliveries kept failing for 3 days. Check the receiver, then enable the "
            "subscription again; the events that waited will be sent in order.\n\n"
            f"{public_base_url()}/api/v1/webhooks/subscriptions/{subscription.id}/attempts"
        ),
        data={"event": "webhook_disabled", "subscription_id": subscription.id},
    )


def deliver_due(
    *,
    session: Session,
    now: datetime,
    timeout: float,
    allow_private: bool,
    limit: int = 1000,
) -> WebhookRun:
    """Send due deliveries one at a time: each is leased and signed in one transaction, sent
    outside any (no lock is held while a receiver is slow), and its answer recorded in a third.
    A delivery is marked succeeded only after a 2xx answer: at least once. A subscription whose
    receiver failed is passed over for the rest of the run: a receiver that is down or slow
    costs the others at most one timeout per run, and its deliveries wait for the next."""
    run = WebhookRun()
    lease = timedelta(seconds=timeout + 60)
    failing: set[int] = set()
    with http_client(timeout) as client:
        for _ in range(limit):
            begin_write(session)
            delivery = next_due(session=session, now=now, passing_over=frozenset(failing))
            if delivery is None:
                session.rollback()
                break
            # signed and logged at the time it is sent (a run behind slow receivers goes on for
            # a while: receivers refuse timestamps minutes old); due as of the run's start
            at = max(now, now_utc())
            request = prepare(session=session, delivery=delivery, now=at, lease=lease, run=run)
            session.commit()
            if request is None:
                continue
            answer = attempt(request, client=client, allow_private=allow_private)
            if not answer.succeeded:
                failing.add(request.subscription_id)
            begin_write(session)
            record(session=session, request=request, answer=answer, now=at, run=run)
            session.commit()
    return run


def purge(*, session: Session, now: datetime) -> int:
    """Forget what settled more than `KEPT_FOR` ago: attempts, deliveries that succeeded, were
    given up or skipped, and events no delivery refers to any more; how many rows went. A
    pending delivery and its event are never removed."""
    begin_write(session)
    before = now - KEPT_FOR
    settled = select(WebhookDelivery.id).where(
        WebhookDelivery.status != DeliveryStatus.PENDING, WebhookDelivery.created_at < before
    )
    statements = (
        delete(WebhookAttempt).where(
            (WebhookAttempt.attempted_at < before) | WebhookAttempt.delivery_id.in_(settled)
        ),
        delete(WebhookDelivery).where(WebhookDelivery.id.in_(settled.scalar_subquery())),
        delete(WebhookEvent).where(
            WebhookEvent.fanned_out_at < before,
            ~select(WebhookDelivery.id).where(WebhookDelivery.event_id == WebhookEvent.id).exists(),
        ),
    )
    removed = 0
    for statement in statements:
        removed += session.execute(statement).rowcount  # type: ignore[attr-defined]
    session.commit()
    return int(removed)


def run_once(*, session: Session, now: datetime, config: dict[str, Any]) -> WebhookRun:
    """The scheduler's job: fan out what the outbox holds, then send what is due."""
    fanned = 0
    while count := fan_out(session=session, now=now):
        fanned += count
    run = deliver_due(
        session=session,
        now=now,
        timeout=float(config["WEBHOOKS_TIMEOUT"]),
        allow_private=bool(config["WEBHOOKS_ALLOW_PRIVATE"]),
    )
    run.fanned_out = fanned
    if now - _last_purge.get("at", now - PURGE_EVERY) >= PURGE_EVERY:
        run.purged = purge(session=session, now=now)
        _last_purge["at"] = now
    return run
