"""Matrix rows of the secure messaging (``relais/messaging/urls.py``).

The shared world gets a sharing (posted to the record, with a text attachment) and an exchange from the referent to
every member of the circle who may read messages, so that the plain "policy" rule gives the expectation. That an
exchange is hidden from members who are not its participants is tested in ``tests/messaging``.
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from relais.messaging.models import Message, Thread, ThreadKind
from relais.messaging.services import thread_start

from .framework import Endpoint, creates, web_get, web_post

SHARING, EXCHANGE = "Matrice : partage au dossier", "Matrice : échange nommé"
RECIPIENTS = ("nurse", "educator", "secretary", "trusted_person", "legal_guardian", "carer")


def prepare(world) -> None:
    referent = world.subjects["referent"].actor
    world.messaging_sharing = thread_start(
        actor=referent,
        person=world.person,
        kind=ThreadKind.SHARING,
        subject=SHARING,
        body="Retour à domicile prévu lundi.",
        attachment=SimpleUploadedFile("consignes.txt", b"Consignes de retour.\n"),
    )
    world.messaging_attachment = world.messaging_sharing.messages.get().attachments.get()
    world.messaging_exchange = thread_start(
        actor=referent,
        person=world.person,
        kind=ThreadKind.EXCHANGE,
        subject=EXCHANGE,
        body="Point de situation.",
        recipients=[world.members[key] for key in RECIPIENTS],
    )


def _url(name: str, *args) -> str:
    return reverse(f"messaging:{name}", args=args)


ENDPOINTS: list[Endpoint] = [
    Endpoint(
        "Messagerie : fils de la personne",
        "messages",
        "read",
        web_get(lambda w: _url("threads", w.record.pk), shows=lambda w: SHARING),
    ),
    Endpoint("Messagerie : fil partagé", "messages", "read", web_get(lambda w: _url("thread", w.messaging_sharing.pk))),
    Endpoint(
        "Messagerie : fil d'échange (destinataire)",
        "messages",
        "read",
        web_get(lambda w: _url("thread", w.messaging_exchange.pk)),
    ),
    Endpoint(
        "Messagerie : pièce jointe",
        "messages",
        "read",
        web_get(lambda w: _url("attachment", w.messaging_attachment.pk)),
    ),
    Endpoint(
        "Messagerie : Mes messages", "messages", "read", web_get(lambda w: _url("inbox"), shows=lambda w: SHARING)
    ),
    Endpoint(
        "Messagerie : partager au dossier",
        "messages",
        "write",
        web_post(
            lambda w: _url("thread_new", w.record.pk),
            lambda w: {"kind": "sharing", "category": "messages", "subject": "Matrice : ajout", "body": "Bonjour"},
        ),
        effect=creates(
            lambda w: Thread.objects.filter(record=w.record, kind="sharing", subject="Matrice : ajout"), "sharing"
        ),
    ),
    Endpoint(
        "Messagerie : répondre à un échange",
        "messages",
        "write",
        web_post(lambda w: _url("reply", w.messaging_exchange.pk), lambda w: {"body": "Matrice : réponse"}),
        effect=creates(
            lambda w: Message.objects.filter(thread=w.messaging_exchange, body="Matrice : réponse"), "reply"
        ),
    ),
]
