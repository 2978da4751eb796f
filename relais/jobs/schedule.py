"""The daily jobs and when they run (Europe/Paris time): one table, read by the worker and the operations page.

Each is a management command that prints a JSON summary as its last line and may be re-run safely; the worker runs
it on schedule (relais/jobs/tasks.py) and records the run (JobRun). An operator can still run one by hand.

The table stays in Paris time (one worker, one clock); a job whose "today" depends on the place handles each
organisation in its own zone (decision 0034): ``agenda_reminders`` reminds each appointment the local day before
(18:00 Paris is 20:00/21:00 in La Réunion, 12:00/13:00 in the Antilles), ``notifications_digest`` sends each user the
digest of their own local day.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ScheduledJob:
    command: str
    hour: int
    minute: int
    label: str

    @property
    def at(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"


DAILY_JOBS = (
    ScheduledJob("audit_verify", 2, 30, "Vérification du journal des accès"),
    ScheduledJob("jobs_purge", 3, 0, "Suppression des échecs de tâches anciens"),
    ScheduledJob("orientation_tick", 6, 15, "Suivi des orientations (admis ailleurs, relances, expirations)"),
    ScheduledJob("pathway_tick", 6, 30, "Tâches en retard et révisions des plans partagés"),
    ScheduledJob("notifications_digest", 6, 45, "Récapitulatif quotidien des notifications"),
    ScheduledJob("offer_capacity_reminders", 7, 0, "Rappels de mise à jour des places disponibles"),
    ScheduledJob("agenda_reminders", 18, 0, "Rappels des rendez-vous du lendemain"),
)
JOBS_BY_COMMAND = {job.command: job for job in DAILY_JOBS}
