"""Writes of the agenda: agendas, openings and slots, booking, cancellation, rescheduling.

Booking, cancelling and moving an appointment are writes about a person: the booker must be allowed to write the
person's PLAN (policy.decide: health and social professionals, referents and coordinators of the circle; an
appointment is an action of the person's coordination), and the agenda must belong to the circle (its professional,
or for an organisation's agenda, the organisation, is an active member). Each write is traced on the person with the
rule that allowed it. Double booking is prevented by a row lock on the slot and, underneath, by the partial unique
constraint ``agenda_one_booking_per_slot``.

Dates that make sense (decision 0034): no slot starts in the past; the slots of one professional (across all their
agendas) or of one organisation's agenda never overlap; one person never has two booked appointments that overlap,
whoever the professional. Each check runs under a row lock (the professional's user row or the organisation's agenda
row for slots; the person's row for appointments), so two concurrent writes are serialised and the second sees the
first. Times are wall-clock times of the agenda's zone (``Agenda.zone``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from relais.accounts.actor import user_public_name
from relais.accounts.roles import Role
from relais.pathway.access import CoordinationRecord, Decision, MemberKind, allow, decide, trace
from relais.pathway.access import matrix as m
from relais.territory.timezones import PARIS, local_today
from relais.territory.timezones import wall_clock as when

from .models import Agenda, Appointment, AppointmentStatus, Opening, Slot, SlotKind
from .notification_kinds import notify_booked, notify_cancelled, notify_moved

MAX_OPENING_DAYS = 366
ORGANISATION_AGENDA_ROLES = frozenset({Role.ADMIN, Role.DIRECTOR, Role.COORDINATOR})
_https = URLValidator(schemes=["https"])


def may_manage_agenda(*, actor, agenda: Agenda) -> bool:
    """The professional for their own agenda; admins, directors and coordinators for their organisation's."""
    user = getattr(actor, "user", None)
    if user is None or actor.organisation is None or actor.organisation.pk != agenda.organisation_id:
        return False
    if agenda.owner_id is not None:
        return agenda.owner_id == user.pk
    return actor.role in ORGANISATION_AGENDA_ROLES


def _require_manager(actor, agenda: Agenda) -> None:
    if not may_manage_agenda(actor=actor, agenda=agenda):
        raise PermissionDenied(
            "Seul·e le ou la titulaire de l'agenda (ou, pour une organisation, sa direction) le gère."
        )


def _video_link(kind: str, link: str) -> str:
    if kind not in SlotKind.values:
        raise ValidationError({"kind": f"Type de créneau inconnu : « {kind} »."})
    link = (link or "").strip()
    if kind != SlotKind.TELECONSULTATION:
        return ""
    if not link:
        raise ValidationError({"video_link": "Une téléconsultation doit indiquer son lien de visioconférence."})
    try:
        _https(link)
    except ValidationError:
        raise ValidationError(
            {"video_link": f"Lien de visioconférence invalide : « {link} » (une adresse https:// est attendue)."}
        ) from None
    return link


@transaction.atomic
def agenda_create(*, actor, label: str = "", for_organisation: bool = False) -> Agenda:
    """The acting professional's own agenda (one per organisation), or an agenda of the acting organisation."""
    user = getattr(actor, "user", None)
    if user is None or actor.organisation is None:
        raise PermissionDenied("Un agenda appartient à un·e professionnel·le ou à une organisation identifiés.")
    if for_organisation:
        if actor.role not in ORGANISATION_AGENDA_ROLES:
            raise PermissionDenied("Seule la direction ou la coordination crée l'agenda de l'organisation.")
        return Agenda.objects.create(organisation=actor.organisation, label=label.strip() or str(actor.organisation))
    existing = Agenda.objects.filter(owner=user, organisation=actor.organisation).first()
    if existing is not None:
        return existing
    default = f"{user_public_name(user)} ({actor.organisation})"
    return Agenda.objects.create(organisation=actor.organisation, owner=user, label=label.strip() or default)


def _aware(day: date, moment: time, zone=PARIS) -> datetime:
    return datetime.combine(day, moment, tzinfo=zone)


def _lock_holder(agenda: Agenda) -> None:
    """Serialise the slot writes of one professional (all their agendas) or of one organisation's agenda.

    FOR NO KEY UPDATE (PostgreSQL): it excludes the same lock, not the key-share locks that inserting a row referencing
    the user takes (a notification to them), so a booking notifying this professional never deadlocks with it."""
    if agenda.owner_id is not None:
        get_user_model().objects.select_for_update(no_key=True).only("pk").get(pk=agenda.owner_id)
    else:
        Agenda.objects.select_for_update(no_key=True).only("pk").get(pk=agenda.pk)


def holder_slots(agenda: Agenda):
    """The offered slots of the same holder: the professional's in every agenda, else this organisation agenda's."""
    rows = Slot.objects.filter(withdrawn_at__isnull=True)
    return rows.filter(agenda__owner_id=agenda.owner_id) if agenda.owner_id else rows.filter(agenda=agenda)


def _overlap_error(other: Slot, zone) -> ValidationError:
    end = timezone.localtime(other.end, zone)
    return ValidationError(
        {"start": f"Ce créneau chevauche celui du {when(other.start, zone)}–{end:%H:%M} ({other.agenda})."}
    )


@transaction.atomic
def opening_create(
    *,
    actor,
    agenda: Agenda,
    weekday: int,
    start_time: time,
    end_time: time,
    duration_minutes: int,
    kind: str,
    first_day: date,
    last_day: date,
    video_link: str = "",
) -> Opening:
    """A weekly opening and the slots it generates (slots already at the same start are kept, not duplicated)."""
    _require_manager(actor, agenda)
    link = _video_link(kind, video_link)
    if not 0 <= int(weekday) <= 6:
        raise ValidationError({"weekday": "Jour de la semaine attendu entre 0 (lundi) et 6 (dimanche)."})
    if end_time <= start_time:
        raise ValidationError({"end_time": "L'heure de fin doit suivre l'heure de début."})
    if not 5 <= int(duration_minutes) <= 480:
        raise ValidationError({"duration_minutes": "La durée d'un créneau va de 5 à 480 minutes."})
    if last_day < first_day:
        raise ValidationError({"last_day": "La date de fin doit suivre la date de début."})
    if (last_day - first_day).days > MAX_OPENING_DAYS:
        raise ValidationError({"last_day": "Une ouverture couvre au plus un an ; créez-en une nouvelle ensuite."})
    zone = agenda.zone
    today = local_today(zone)
    if first_day < today:
        raise ValidationError(
            {"first_day": f"« À partir du » ne peut précéder aujourd'hui ({today:%d/%m/%Y}) (pas de créneau passé)."}
        )
    _lock_holder(agenda)
    opening = Opening.objects.create(
        agenda=agenda,
        weekday=weekday,
        start_time=start_time,
        end_time=end_time,
        duration_minutes=duration_minutes,
        kind=kind,
        video_link=link,
        first_day=first_day,
        last_day=last_day,
    )
    step, now = timedelta(minutes=int(duration_minutes)), timezone.now()
    # Slots of the same holder already there (this agenda's, or the professional's other agendas'): a generated
    # slot overlapping one of them is not created, so generating again never duplicates, and nothing overlaps.
    since, until = _aware(first_day, time.min, zone), _aware(last_day + timedelta(days=1), end_time, zone)
    taken = sorted(holder_slots(agenda).filter(start__lt=until, end__gt=since).values_list("start", "end"))
    slots, skipped = [], 0
    day = first_day + timedelta(days=(int(weekday) - first_day.weekday()) % 7)
    while day <= last_day:
        start, stop = _aware(day, start_time, zone), _aware(day, end_time, zone)
        while start + step <= stop:
            if start <= now or any(s < start + step and e > start for s, e in taken):
                skipped += 1
            else:
                slots.append(
                    Slot(agenda=agenda, opening=opening, start=start, end=start + step, kind=kind, video_link=link)
                )
            start += step
        day += timedelta(days=7)
    Slot.objects.bulk_create(slots)
    opening.created_slots, opening.skipped_slots = len(slots), skipped
    return opening


@transaction.atomic
def slot_create(
    *, actor, agenda: Agenda, start: datetime, duration_minutes: int, kind: str, video_link: str = ""
) -> Slot:
    """A one-off slot."""
    _require_manager(actor, agenda)
    link = _video_link(kind, video_link)
    if not 5 <= int(duration_minutes) <= 480:
        raise ValidationError({"duration_minutes": "La durée d'un créneau va de 5 à 480 minutes."})
    zone = agenda.zone
    if timezone.is_naive(start):
        start = start.replace(tzinfo=zone)
    if start <= timezone.now():
        raise ValidationError({"start": f"« Début » ({when(start, zone)}) est passé : un créneau commence plus tard."})
    end = start + timedelta(minutes=int(duration_minutes))
    _lock_holder(agenda)
    if agenda.slots.filter(start=start).exists():
        raise ValidationError({"start": "Un créneau commence déjà à cette heure dans cet agenda."})
    other = holder_slots(agenda).filter(start__lt=end, end__gt=start).select_related("agenda").first()
    if other is not None:
        raise _overlap_error(other, zone)
    return Slot.objects.create(agenda=agenda, start=start, end=end, kind=kind, video_link=link)


def agenda_in_circle(*, agenda: Agenda, person) -> bool:
    """The agenda's professional (or organisation) is an active member of the person's circle, not objected to."""
    if agenda.owner_id is not None:
        return decide(user=agenda.owner, organisation=agenda.organisation, person=person, category=m.IDENTITY).allowed
    record = CoordinationRecord.objects.filter(person=person).first()
    today = timezone.localdate()
    return (
        record is not None
        and record.members.filter(kind=MemberKind.PROFESSIONAL, organisation=agenda.organisation, start__lte=today)
        .filter(Q(end__isnull=True) | Q(end__gte=today))
        .exists()
    )


def _book(*, actor, slot_id: int, person, purpose: str, decision, notify: bool = True) -> Appointment:
    # The lock serialises concurrent bookings of one slot; the second one then sees the first appointment.
    slot = (
        Slot.objects.select_for_update(of=("self",))
        .select_related("agenda__owner", "agenda__organisation")
        .get(pk=slot_id)
    )
    if slot.withdrawn_at is not None or not slot.agenda.active:
        raise ValidationError({"slot": "Ce créneau n'est plus proposé."})
    if slot.start <= timezone.now():
        raise ValidationError({"slot": "Ce créneau est passé."})
    if not agenda_in_circle(agenda=slot.agenda, person=person):
        raise ValidationError({"slot": "Le ou la titulaire de cet agenda ne fait pas partie du cercle de soins."})
    if slot.appointments.filter(status=AppointmentStatus.BOOKED).exists():
        raise ValidationError({"slot": "Ce créneau est déjà réservé."})
    _no_overlap(slot, person)
    appointment = Appointment(
        slot=slot,
        person=person,
        purpose=(purpose or "").strip()[:200],
        booked_by=actor.public_label,
        booked_by_user=actor.user,
        booked_by_organisation=actor.organisation,
    )
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError:  # the constraint caught a race the lock did not (e.g. another database client)
        raise ValidationError({"slot": "Ce créneau est déjà réservé."}) from None
    trace(actor=actor, action="create", obj=appointment, person=person, decision=decision, detail=_detail(appointment))
    if notify:
        notify_booked(appointment=appointment, actor=actor)
    return appointment


def _no_overlap(slot: Slot, person) -> None:
    """Neither the holder nor the person has another booked appointment overlapping ``slot`` (locks: slot taken by
    the caller, then the holder's row, then the person's row: always in this order, so no deadlock)."""
    _lock_holder(slot.agenda)
    type(person).objects.select_for_update(no_key=True).only("pk").get(pk=person.pk)
    booked = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED, slot__start__lt=slot.end, slot__end__gt=slot.start
    ).exclude(slot=slot)
    zone = slot.agenda.zone
    clash = booked.filter(person=person).select_related("slot").first()
    if clash is not None:
        raise ValidationError(
            {"slot": f"La personne a déjà un rendez-vous qui chevauche ce créneau (le {when(clash.slot.start, zone)})."}
        )
    holder = Q(slot__agenda__owner_id=slot.agenda.owner_id) if slot.agenda.owner_id else Q(slot__agenda=slot.agenda)
    clash = booked.filter(holder).select_related("slot").first()
    if clash is not None:
        raise ValidationError(
            {"slot": f"Le ou la titulaire a déjà un rendez-vous sur ce créneau (le {when(clash.slot.start, zone)})."}
        )


def _detail(appointment: Appointment) -> str:
    slot = appointment.slot
    return f"rendez-vous {slot.get_kind_display().lower()} le {when(slot.start, slot.agenda.zone)} ({slot.agenda})"


@transaction.atomic
def appointment_book(*, actor, slot: Slot, person, purpose: str = "") -> Appointment:
    decision = allow(actor=actor, person=person, category=m.PLAN)
    return _book(actor=actor, slot_id=slot.pk, person=person, purpose=purpose, decision=decision)


def may_change(*, actor, appointment: Appointment):
    """The decision allowing ``actor`` to cancel or move the appointment (agenda holder or PLAN writer), or None."""
    decision = decide(
        user=getattr(actor, "user", None),
        organisation=getattr(actor, "organisation", None),
        person=appointment.person,
        category=m.PLAN,
        action=m.WRITE,
    )
    if decision.allowed:
        return decision
    if may_manage_agenda(actor=actor, agenda=appointment.slot.agenda):
        return decide(
            user=actor.user, organisation=actor.organisation, person=appointment.person, category=m.IDENTITY
        ) or _holder(decision)
    return None


def _holder(decision):
    # The agenda holder may always free their own time, even after leaving the circle: the trace says so.
    return Decision(True, "agenda_holder", "Vous êtes titulaire de cet agenda.", decision.member)


@transaction.atomic
def appointment_cancel(*, actor, appointment: Appointment, reason: str) -> Appointment:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Le motif d'annulation est obligatoire."})
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("slot__agenda", "person")
        .get(pk=appointment.pk)
    )
    decision = may_change(actor=actor, appointment=appointment)
    if decision is None:
        raise PermissionDenied("Vous ne pouvez pas annuler ce rendez-vous.")
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError({"status": "Ce rendez-vous n'est plus actif."})
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancel_reason = reason[:300]
    appointment.cancelled_at = timezone.now()
    appointment.cancelled_by = actor.public_label
    appointment.save(update_fields=["status", "cancel_reason", "cancelled_at", "cancelled_by"])
    trace(
        actor=actor,
        action="update",
        obj=appointment,
        person=appointment.person,
        decision=decision,
        # The reason is free text (it may be clinical): it stays on the appointment, not in the access history.
        detail=f"annulation du {_detail(appointment)}",
    )
    notify_cancelled(appointment=appointment, actor=actor)
    return appointment


@transaction.atomic
def appointment_reschedule(*, actor, appointment: Appointment, slot: Slot, reason: str = "") -> Appointment:
    """Move to another free slot: the old appointment becomes "rescheduled" and points to the new one."""
    old = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("slot__agenda", "person")
        .get(pk=appointment.pk)
    )
    decision = allow(actor=actor, person=old.person, category=m.PLAN)  # moving books a slot: same rule as booking
    if old.status != AppointmentStatus.BOOKED:
        raise ValidationError({"status": "Ce rendez-vous n'est plus actif."})
    if slot.pk == old.slot_id:
        raise ValidationError({"slot": "Choisissez un autre créneau."})
    old.status = AppointmentStatus.RESCHEDULED
    old.cancel_reason = (reason or "").strip()[:300] or "Rendez-vous déplacé"
    old.cancelled_at = timezone.now()
    old.cancelled_by = actor.public_label
    old.save(update_fields=["status", "cancel_reason", "cancelled_at", "cancelled_by"])
    new = _book(actor=actor, slot_id=slot.pk, person=old.person, purpose=old.purpose, decision=decision, notify=False)
    old.rescheduled_to = new
    old.save(update_fields=["rescheduled_to"])
    trace(
        actor=actor,
        action="update",
        obj=old,
        person=old.person,
        decision=decision,
        detail=f"déplacement vers le {_detail(new)}",
    )
    notify_moved(new=new, actor=actor)
    return new
