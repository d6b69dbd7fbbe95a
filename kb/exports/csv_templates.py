"""Empty CSV sheets to fill in: one per record type, with its header row and one example row
(``kb template``). The columns are those the spreadsheet loader reads (:func:`kb.loaders.csv.columns`)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from kb.exports.files import folder as out_folder
from kb.exports.files import replacing
from kb.loaders.csv import columns
from kb.model.authoring import event_nested_records, records


def template(key: str) -> str:
    """An empty sheet: the header row and one example row."""
    examples = {
        "actors": {"id": "example-outlet", "name": "Example News", "kind": "media", "aliases": "EN@en | ExN"},
        "places": {"id": "shusha", "name": "Shusha", "aliases": "Shushi@hy | Şuşa@az"},
        "sources": {"id": "example-report", "title": "A report", "kind": "report",
                    "publisher": "example-outlet", "date": "2020-10-02", "url": "https://example.org/report"},
        "events": {"id": "example-shelling", "label": "Shelling of a town", "date": "2020-10-01/2020-10-03",
                   "place": "shusha"},
        "documentation": {"event": "example-shelling", "source": "example-report", "evidence": "video",
                          "quote": "We filmed the shelling."},
        "claims": {"id": "example-denial", "by": "example-outlet", "stance": "denies",
                   "about": "example-shelling", "text": "It did not happen.", "date": "2020-10-04",
                   # besides (or instead of) about: the events it is about, described
                   "describes.place": "shusha", "describes.date": "2020-10-01/2020-10-05",
                   "describes.kinds": "shelling"},
    }[key]
    cols = columns(key)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    w.writerow([examples.get(c, "") for c in cols])
    return buf.getvalue()


def write_templates(folder: str | Path, store: str | Path | None = None) -> list[Path]:
    """Write one empty sheet per record type into ``folder`` (created if missing; never inside the
    ``store`` folder) and return the paths written."""
    out = out_folder(folder, store)
    written = []
    for key in (*records(), *event_nested_records()):
        with replacing(out / f"{key}.csv", store) as tmp:
            tmp.write_text(template(key), encoding="utf-8")
        written.append(out / f"{key}.csv")
    return written
