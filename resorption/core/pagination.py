"""Links of the DSFR pagination component, shared by every paginated list (template: includes/pagination.html)."""

from django.core.paginator import Page
from django.http import QueryDict


def pagination_links(query: QueryDict, page: Page) -> dict:
    """First, previous, a window of pages around the current one with "…" for the gaps, next, last — each link
    keeping the other query parameters (filters, sort)."""

    def url(number: int) -> str:
        kept = query.copy()
        kept["page"] = str(number)
        return f"?{kept.urlencode()}"

    last = page.paginator.num_pages
    numbers = sorted({1, last, *range(max(1, page.number - 2), min(last, page.number + 2) + 1)})
    links: list[dict] = []
    for index, number in enumerate(numbers):
        if index and number - numbers[index - 1] > 1:
            links.append({"number": None, "url": "", "current": False})
        links.append({"number": number, "url": url(number), "current": number == page.number})
    return {
        "show": last > 1,
        "first": url(1) if page.has_previous() else "",
        "previous": url(page.previous_page_number()) if page.has_previous() else "",
        "next": url(page.next_page_number()) if page.has_next() else "",
        "last": url(last) if page.has_next() else "",
        "links": links,
    }
