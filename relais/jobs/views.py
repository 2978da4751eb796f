"""The operations page: queue, daily jobs, failures (platform operators only: superusers; others get a 404)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .models import JobFailure
from .selectors import daily_jobs_state, job_failures_open, jobs_status
from .services import NotRetryable, job_failure_retry


def _operator(request):
    if not request.user.is_superuser:
        raise Http404


def jobs_page(request):
    _operator(request)
    context = {
        "status": jobs_status(),
        "daily": daily_jobs_state(),
        "failures": job_failures_open()[:100],
        "recent": JobFailure.objects.all()[:20],
    }
    return render(request, "jobs/jobs_page.html", context)


@require_POST
def failure_retry(request, pk: int):
    _operator(request)
    failure = get_object_or_404(JobFailure, pk=pk)
    try:
        job_failure_retry(user=request.user, failure=failure)
    except NotRetryable as refusal:
        messages.error(request, str(refusal))
        return redirect("jobs:page")
    messages.success(request, f"La tâche « {failure.task_name} » est remise dans la file.")
    return redirect("jobs:page")
