from django.core.paginator import Paginator
from django.shortcuts import render

from .models import Commune, Departement, Region
from .selectors import commune_search


def communes(request):
    query = request.GET.get("q", "")
    postal_code = request.GET.get("code_postal", "")
    results = commune_search(query=query, postal_code=postal_code) if (query or postal_code) else Commune.objects.none()
    page = Paginator(results, 25).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": query,
        "postal_code": postal_code,
        "counts": {
            "regions": Region.objects.count(),
            "departements": Departement.objects.count(),
            "communes": Commune.objects.count(),
        },
    }
    template = "territory/_commune_results.html" if request.htmx else "territory/communes.html"
    return render(request, template, context)
