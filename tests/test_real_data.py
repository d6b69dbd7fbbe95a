"""Real data as people download it (issue 16): ACLED from HDX (with its HXL tag row), legacy
ACLED API dumps (UPPERCASE headers, ``ally_actor_*``, a pandas index column), ``10/04/2020``
dates; ClaimReview feeds in their real shapes. Small files in the real layouts, in tests/corpus."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import URIRef

from kb import InputError, KnowledgeBase
from kb.model.terms import EV, SKOS, ontology

CORPUS = Path(__file__).parent / "corpus"
ACLED = CORPUS / "acled"
Q = (f"PREFIX ev: <{EV}> PREFIX dcterms: <http://purl.org/dc/terms/> "
     "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX schema: <https://schema.org/> ")


def rows(kb: KnowledgeBase, query: str) -> list[tuple[str, ...]]:
    data = json.loads(kb.query(Q + query, fmt="json"))
    names = data["head"]["vars"]
    return sorted(tuple(b.get(n, {}).get("value", "") for n in names) for b in data["results"]["bindings"])


def event_places(kb: KnowledgeBase) -> list[tuple[str, ...]]:
    return rows(kb, """SELECT ?e ?date ?p ?lat ?long WHERE { ?ev a ev:Event ; dcterms:identifier ?e ;
        dcterms:date ?date ; ev:place ?pl . ?pl dcterms:identifier ?p ; schema:latitude ?lat ;
        schema:longitude ?long }""")


def test_hdx_download_skips_the_hxl_row_and_keeps_same_named_places_of_two_provinces_apart(kb):
    report = kb.build([ACLED / "hdx-afg.csv"])
    assert report.committed and report.files[0].format == "acled" and kb.validate() == []
    assert report.warnings == []  # every HDX column is a codebook column; the HXL row is no event
    faryab, balkh = "place-dawlat-abad--dawlat-abad--faryab--afghanistan", \
        "place-dawlat-abad--dawlat-abad--balkh--afghanistan"
    assert event_places(kb) == [
        ("acled-afg48001", "2021-08-01", faryab, "36.4137", "64.9124"),
        ("acled-afg48002", "2021-08-02", balkh, "36.9855", "66.8191"),
        ("acled-afg48003", "2021-08-03", faryab, "36.4137", "64.9124")]
    # a second import of the Balkh event from another file joins the Balkh place, not Faryab's
    more = kb.path.parent / "more.csv"
    more.write_text("event_id_cnty,event_date,event_type,country,admin1,admin2,location,source\n"
                    "AFG48009,2021-08-09,Battles,Afghanistan,Balkh,Dawlat Abad,Dawlat Abad,Tolo News\n")
    kb.build([more])
    assert rows(kb, 'SELECT ?p WHERE { ?e dcterms:identifier "acled-afg48009" ; ev:place/dcterms:identifier ?p }') \
        == [(balkh,)]
    assert len(rows(kb, "SELECT DISTINCT ?p WHERE { ?e ev:place ?p }")) == 2
    # with the admin chains: two districts and two provinces named apart, one country
    assert len(rows(kb, "SELECT DISTINCT ?p WHERE { ?p a ev:Place }")) == 7


HDX_HEADER = ("event_id_cnty,event_date,event_type,country,admin1,admin2,location,latitude,longitude,source\n"
              "#event+code,#date+occurred,#event+type,#country+name,#adm1+name,#adm2+name,#loc+name,"
              "#geo+lat,#geo+lon,#meta+source\n")
AT = "SELECT ?e ?p WHERE { ?x a ev:Event ; dcterms:identifier ?e ; ev:place/dcterms:identifier ?p }"
CODED = """SELECT ?g ?p ?up WHERE { GRAPH ?g { ?x ev:codedWithin ?u ; ev:codedBy ?b } ?b a ev:DatasetRecord .
    ?x dcterms:identifier ?p . ?u dcterms:identifier ?up }"""


def test_a_row_joins_a_known_place_only_where_containment_agrees_and_later_files_codings_are_kept(kb, write):
    places = write("places.yaml", """places:
  - {id: afghanistan, name: Afghanistan}
  - {id: balkh, name: Balkh, part_of: [afghanistan]}
  - {id: dawlat-abad, name: Dawlat Abad, part_of: [balkh]}
  - {id: herat, name: Herat}
  - {id: west, name: Western region}
  - {id: gulran, name: Gulran, part_of: [west]}
""")
    first = write("first.csv", HDX_HEADER
                  + "AFG1,2021-08-01,Battles,Afghanistan,Faryab,,Dawlat Abad,36.41,64.91,Pajhwok\n"
                    "AFG2,2021-08-02,Battles,Afghanistan,Balkh,,Dawlat Abad,36.98,66.81,Pajhwok\n"
                    "AFG3,2021-08-03,Battles,Afghanistan,Herat,,Herat,34.34,62.2,Pajhwok\n"
                    "AFG4,2021-08-04,Battles,Afghanistan,Herat,,Gulran,35.1,61.6,Pajhwok\n")
    report = kb.build([places, first])
    faryab = "place-dawlat-abad--faryab--afghanistan"
    where = dict(rows(kb, AT))
    # Balkh's Dawlat Abad is the known one; Faryab's is another place; the town Herat (no
    # containment stated) is joined, its province of that name is a place of its own (one place of
    # a chain joins a known place, the deepest); Gulran (within a region the row's chain does not
    # name) is kept apart
    assert where == {"acled-afg1": faryab, "acled-afg2": "dawlat-abad", "acled-afg3": "herat",
                     "acled-afg4": "place-gulran--herat--afghanistan"}
    shown = [w.split(str(first.parent) + "/", 1)[-1] for w in report.warnings]
    assert shown == [
        "first.csv:3:7: location: place 'Dawlat Abad' within Faryab, Afghanistan is not joined to the place "
        f"'dawlat-abad' of that name: their containments differ; imported as another place, {faryab}",
        "first.csv:5:5: admin1: place 'Herat' within Afghanistan is not joined to the place 'herat' of that name: "
        "the place 'Herat' within Herat, Afghanistan, which lies within it in this file's admin chain, is joined "
        "to that place; imported as another place, place-herat--afghanistan",
        "first.csv:6:7: location: place 'Gulran' within Herat, Afghanistan is not joined to the place 'gulran' "
        "of that name: their containments name no common place; imported as another place, "
        "place-gulran--herat--afghanistan"]
    # the file's admin chains are kept as its coding, for the known places too (in its own graph)
    g1 = next(f.graph for f in report.files if f.path.endswith("first.csv"))
    assert (g1, "dawlat-abad", "balkh") in rows(kb, CODED) and (g1, "herat", "place-herat--afghanistan") in rows(kb, CODED)
    assert rows(kb, "SELECT ?p WHERE { ?x a ev:Place ; dcterms:identifier ?p }") == sorted(
        [("afghanistan",), ("balkh",), ("dawlat-abad",), ("herat",), ("west",), ("gulran",), (faryab,),
         ("place-faryab--afghanistan",), ("place-gulran--herat--afghanistan",), ("place-herat--afghanistan",)])
    # a later file: the stored places are joined again and its own coding of them recorded
    second = write("second.csv", HDX_HEADER
                   + "AFG9,2021-08-09,Battles,Afghanistan,Faryab,,Dawlat Abad,36.41,64.91,Tolo News\n"
                     "AFG10,2021-08-10,Battles,Afghanistan,Balkh,,Dawlat Abad,36.98,66.81,Tolo News\n")
    report = kb.build([second])
    assert report.warnings == [] and kb.validate() == []
    g2 = report.files[0].graph
    where = dict(rows(kb, AT))
    assert where["acled-afg9"] == faryab and where["acled-afg10"] == "dawlat-abad"
    assert sorted((p, up) for g, p, up in rows(kb, CODED) if g == g2) == [
        ("balkh", "afghanistan"), ("dawlat-abad", "balkh"), (faryab, "place-faryab--afghanistan"),
        ("place-faryab--afghanistan", "afghanistan")]
    assert len(rows(kb, "SELECT ?p WHERE { ?x a ev:Place ; dcterms:identifier ?p }")) == 10  # no place added
    # the first file changed and built again: its places are made again, the second's coding stays
    first.write_text(first.read_text() + "AFG5,2021-08-05,Battles,Afghanistan,Faryab,,Dawlat Abad,36.41,64.91,BBC\n")
    assert kb.build([first]).committed and kb.validate() == []
    assert len([r for r in rows(kb, CODED) if r[0] == g2]) == 4 and dict(rows(kb, AT))["acled-afg5"] == faryab


@pytest.mark.parametrize("stored", [False, True], ids=["hand-written-in-the-build", "stored-before"])
def test_a_town_and_its_district_of_one_name_never_both_join_the_known_place_of_that_name(kb, write, stored):
    # issue 16: ACLED's location Jalalabad within admin2 Jalalabad; both would agree with the
    # known Jalalabad (within Nangarhar). The row's location (the town, deepest of its chain)
    # joins it; the district stays a place of its own, with a located warning, the town within it.
    places = write("places.yaml", """places:
  - {id: afghanistan, name: Afghanistan}
  - {id: nangarhar, name: Nangarhar, part_of: [afghanistan]}
  - {id: jalalabad, name: Jalalabad, part_of: [nangarhar]}
""")
    town = write("town.csv", HDX_HEADER
                 + "AFG7,2021-08-07,Battles,Afghanistan,Nangarhar,Jalalabad,Jalalabad,34.43,70.45,Pajhwok\n")
    if stored:
        assert kb.build([places]).committed
    report = kb.build([town] if stored else [places, town])
    assert report.committed and kb.validate() == []
    district = "place-jalalabad--nangarhar--afghanistan"
    shown = [w.split(str(town.parent) + "/", 1)[-1] for w in report.warnings]
    assert shown == [
        "town.csv:3:6: admin2: place 'Jalalabad' within Nangarhar, Afghanistan is not joined to the place "
        "'jalalabad' of that name: the place 'Jalalabad' within Jalalabad, Nangarhar, Afghanistan, which lies "
        f"within it in this file's admin chain, is joined to that place; imported as another place, {district}"]
    assert dict(rows(kb, AT)) == {"acled-afg7": "jalalabad"}
    named = rows(kb, 'SELECT ?p WHERE { ?x a ev:Place ; dcterms:identifier ?p ; rdfs:label "Jalalabad" }')
    assert named == [("jalalabad",), (district,)]
    # the file's coding: the town within the district, the district within the province
    assert sorted((p, up) for _g, p, up in rows(kb, CODED)) == [
        ("jalalabad", district), ("nangarhar", "afghanistan"), (district, "nangarhar")]
    # built again from another file: the same two places, nothing merged, nothing added
    again = write("again.csv", HDX_HEADER
                  + "AFG8,2021-08-08,Battles,Afghanistan,Nangarhar,Jalalabad,Jalalabad,34.43,70.45,BBC\n")
    assert kb.build([again]).warnings == [] and kb.validate() == []
    assert dict(rows(kb, AT))["acled-afg8"] == "jalalabad"
    assert rows(kb, 'SELECT ?p WHERE { ?x a ev:Place ; dcterms:identifier ?p ; rdfs:label "Jalalabad" }') == named


def test_legacy_api_dump_maps_uppercase_and_ally_actor_headers_and_warns_on_ambiguous_dates(kb):
    report = kb.build([ACLED / "legacy-api.csv"], fmt="acled")
    assert report.committed
    (warning,) = report.warnings
    assert warning.startswith(f"{report.files[0].path}:2:4: event_date '10/04/2016' could be day/month")
    assert "--date-order mdy" in warning
    got = rows(kb, """SELECT ?e ?date (COUNT(DISTINCT ?a) AS ?n) WHERE { ?ev a ev:Event ;
        dcterms:identifier ?e ; dcterms:date ?date ; ev:involves ?a } GROUP BY ?e ?date""")
    # ally_actor_2 of ARM101 and ally_actor_1 of ARM102 are read as associated actors
    assert got == [("acled-arm101", "2016-04-10", "3"), ("acled-arm102", "2016-04-11", "3"),
                   ("acled-arm103", "2016-04-05", "2")]
    # Norakert of Tavush and Norakert of Armavir: two places
    assert len({p for _e, _d, p, _la, _lo in event_places(kb)}) == 2


def test_date_order_mdy_reads_month_first_without_a_warning(kb):
    report = kb.build([ACLED / "legacy-api.csv"], fmt="acled", date_order="mdy")
    assert report.warnings == []
    assert [(e, d) for e, d, *_ in event_places(kb)] == [
        ("acled-arm101", "2016-10-04"), ("acled-arm102", "2016-11-04"), ("acled-arm103", "2016-05-04")]


def test_an_unambiguous_date_decides_the_files_order(kb, write):
    f = write("us.csv", """\
        event_id_cnty,event_date,event_type,location,source
        X1,10/04/2020,Battles,Town,Paper
        X2,10/25/2020,Battles,Town,Paper
        """)
    report = kb.build([f], fmt="acled")
    assert report.warnings == []
    assert rows(kb, "SELECT ?e ?d WHERE { ?x a ev:Event ; dcterms:identifier ?e ; dcterms:date ?d }") == [
        ("acled-x1", "2020-10-04"), ("acled-x2", "2020-10-25")]


def test_a_date_impossible_in_the_given_order_is_a_located_error(kb, write, dump):
    f = write("dmy.csv", "event_id_cnty,event_date,event_type,location,source\nX1,10/25/2020,Battles,Town,Paper\n")
    with pytest.raises(InputError) as info:
        kb.build([f], fmt="acled", date_order="dmy", strict=True)
    (p,) = info.value.problems
    assert (p.line, p.column, p.field) == (2, 2, "event_date")
    assert p.message == "'10/25/2020' is not a date in the order day/month/year (--date-order dmy)"
    assert dump(kb.path) == b"" or not kb.path.exists()
    # without --strict the row is skipped with that warning, and a file left with nothing fails
    with pytest.raises(InputError) as info:
        kb.build([f], fmt="acled", date_order="dmy")
    p, why = info.value.problems
    assert (why.line, why.column, why.field) == (2, 2, "event_date")
    assert p.message == "no event could be read from this file: all 1 data row(s) were skipped (see the warnings)"
    assert dump(kb.path) == b"" or not kb.path.exists()


def test_ids_differing_only_in_case_are_kept_apart_and_exact_repeats_skipped_with_warnings(kb, write):
    f = write("case.csv", """\
        event_id_cnty,event_date,event_type,location,source
        abc1,2020-10-04,Battles,Town,Paper
        ABC1,2020-10-05,Battles,Town,Paper
        abc1,2020-10-04,Battles,Town,Paper
        """)
    report = kb.build([f], fmt="acled")
    assert len(report.warnings) == 2
    assert ":3:1: event 'ABC1' differs from 'abc1' (row 2) only in case" in report.warnings[0]
    assert ":4:1: event 'abc1' repeats row 2 exactly; skipped" in report.warnings[1]
    assert len(rows(kb, "SELECT ?e WHERE { ?x a ev:Event ; dcterms:identifier ?e }")) == 2


def test_unknown_columns_are_named_in_a_warning(kb, write):
    f = write("extra.csv", "event_id_cnty,event_date,event_type,location,source,my_notes\n"
                           "X1,2020-10-04,Battles,Town,Paper,keep me\n")
    report = kb.build([f], fmt="acled")
    assert report.warnings == [f"{report.files[0].path}:1:6: column 'my_notes' is not an ACLED column; "
                               "its values are not imported"]


def test_far_apart_coordinates_for_one_place_are_reported(kb, write):
    f = write("far.csv", """\
        event_id_cnty,event_date,event_type,country,admin1,location,latitude,longitude,source
        X1,2020-10-04,Battles,Armenia,Tavush,Norakert,40.85,45.36,Paper
        X2,2020-10-05,Battles,Armenia,Tavush,Norakert,40.19,43.95,Paper
        """)
    (warning,) = kb.build([f], fmt="acled").warnings
    assert ":3: place 'Norakert' (place-norakert--tavush--armenia)" in warning and "km apart" in warning


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    return subprocess.run([sys.executable, "-m", "kb.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_a_file_with_nothing_to_import_fails_but_an_unchanged_one_does_not(tmp_path):
    shutil.copy(ACLED / "hdx-header-only.csv", tmp_path / "empty.csv")
    shutil.copy(ACLED / "hdx-afg.csv", tmp_path / "afg.csv")
    bad = _cli(["--store", "s", "import", "acled", "empty.csv"], tmp_path)
    assert bad.returncode != 0
    assert "empty.csv:1: no event could be read from this file: it holds no data rows (only the header " \
           "and the HXL tag row)" in bad.stderr
    assert not (tmp_path / "s").exists() or "afg" not in (tmp_path / "s").as_posix()
    ok = _cli(["--store", "s", "import", "acled", "afg.csv"], tmp_path)
    assert ok.returncode == 0, ok.stderr
    again = _cli(["--store", "s", "import", "acled", "afg.csv"], tmp_path)
    assert again.returncode == 0 and "unchanged" in again.stdout
    mdy = _cli(["--store", "s", "import", "acled", "--date-order", "mdy", "afg.csv"], tmp_path)
    assert mdy.returncode == 0


def test_the_cli_counts_skipped_items_apart_from_other_warnings_and_fails_when_nothing_is_stored(tmp_path):
    shutil.copy(CORPUS / "claimreview-feed.json", tmp_path / "feed.json")
    shutil.copy(ACLED / "legacy-api.csv", tmp_path / "legacy.csv")
    (tmp_path / "nothing.json").write_text('{"total_results": 0, "data": []}\n')
    bad = _cli(["--store", "s", "import", "claimreview", "nothing.json"], tmp_path)
    assert bad.returncode != 0 and "no ClaimReview could be imported from this file" in bad.stderr
    assert not (tmp_path / "s" / "CURRENT").exists()  # no knowledge base made
    feed = _cli(["--store", "s", "import", "claimreview", "feed.json"], tmp_path)
    assert feed.returncode == 0 and feed.stderr.count("warning: ") == 3
    assert feed.stdout.rstrip().endswith("; 3 item(s) skipped")
    legacy = _cli(["--store", "s", "import", "acled", "legacy.csv"], tmp_path)  # an ambiguous date, kept
    assert legacy.returncode == 0 and legacy.stderr.count("warning: ") == 1
    assert legacy.stdout.rstrip().endswith("; 1 other warning(s)")


# -- ClaimReview in its real shapes --------------------------------------------------------------

CR = CORPUS / "claimreview"


def reviews(kb: KnowledgeBase) -> list[tuple[str, ...]]:
    return rows(kb, """SELECT ?url ?text ?claimant ?pub ?rating WHERE {
        ?fc ev:reviews ?c ; dcterms:publisher/rdfs:label ?pub . OPTIONAL { ?fc schema:url ?url }
        OPTIONAL { ?fc ev:reviewRating ?rating } ?c schema:text ?text ; ev:claimant/rdfs:label ?claimant }""")


def test_datacommons_datafeed_imports_every_review_and_keeps_two_reviews_under_one_url(kb):
    report = kb.build([CR / "datacommons-feed.json"], fmt="claimreview")
    assert report.committed and report.warnings == [] and kb.validate() == []
    assert reviews(kb) == [
        ("https://factcheck.example.org/2020/10/cluster", "We are not using cluster munitions.", "Ilham Aliyev",
         "Example Fact Check", "Misleading"),
        ("https://verifica.example.es/2020/11/shusha", "Azerbaijan took Shusha in one day.", "Some Channel",
         "Verifica Ejemplo", "Engañoso"),
        ("https://verifica.example.es/2020/11/shusha", "Shusha was not taken.", "Government of Armenia",
         "Verifica Ejemplo", "Falso")]


def test_api_page_with_compact_full_and_graph_documents(kb):
    report = kb.build([CR / "api-page.json"], fmt="claimreview")
    assert report.committed and report.warnings == []
    assert [(u, t, c, p) for u, t, c, p, _r in reviews(kb)] == [
        ("https://fc.example.net/a", "Claim A", "Person A", "FC Net"),
        ("https://fc.example.net/b", "Claim B", "Person B", "FC Net"),
        ("https://fc.example.net/c", "Claim C", "Person C", "FC Net")]
    assert len(rows(kb, "SELECT ?a WHERE { ?a a ev:Actor }")) == 4  # FC Net once, three claimants


def test_fact_check_tools_claims_search_response(kb):
    report = kb.build([CR / "factcheck-tools.json"], fmt="claimreview")
    assert report.committed and report.warnings == []
    assert reviews(kb) == [
        ("https://checker.example.com/hospital", "A hospital in Stepanakert was shelled.", "Armenpress",
         "checker.example.com", "True"),
        ("https://factcheck.example.org/2020/10/barda", "Cluster munitions were not used in Barda.",
         "Ministry of Defence", "Example Fact Check", "False"),
        ("https://verifica.example.es/2020/10/barda", "Cluster munitions were not used in Barda.",
         "Ministry of Defence", "Verifica Ejemplo", "Falso")]


def test_fact_check_tools_entries_giving_no_review_are_skipped_with_located_warnings(kb, write):
    f = write("search.json", """\
        {"claims": [
          {"text": "One.", "claimant": "A", "claimReview": [
            {"publisher": {"name": "FC"}, "url": "https://fc.example/1", "textualRating": "False"}, 7]},
          {"text": "Two.", "claimant": "B", "claimReview": true},
          "three",
          {"text": "Four.", "claimant": "D", "claimReview": {"publisher": {"site": "fc.example"},
                                                             "url": "https://fc.example/4", "textualRating": "True"}}
        ]}
        """)
    report = kb.build([f], fmt="claimreview")
    assert [w.split(str(f.parent) + "/", 1)[-1] for w in report.warnings] == [
        "search.json:2:3: claim 1 ('One.'), claimReview 2: not an object; skipped",
        "search.json:4:3: claim 2 ('Two.'): no claimReview list; skipped",
        "search.json:5:3: claim 3: not an object; skipped"]
    assert [(u, t, r) for u, t, _c, _p, r in reviews(kb)] == [("https://fc.example/1", "One.", "False"),
                                                               ("https://fc.example/4", "Four.", "True")]
    g = write("none.json", '{"claims": [{"text": "Two.", "claimReview": []}]}')
    with pytest.raises(InputError) as info:
        kb.build([g], fmt="claimreview")
    messages = [p.message for p in info.value.problems]
    assert any("no ClaimReview could be imported from this file" in m for m in messages)
    assert any(m.endswith("claim 1 ('Two.'): no claimReview list; skipped") for m in messages)


def _feed(write, body: str):
    return write("feed.json", body)


def test_json_true_and_numbers_are_never_claim_text_and_type_is_matched_exactly(kb, write):
    f = _feed(write, """\
        [
          {"@type": "ClaimReview", "url": "https://x.example/1", "claimReviewed": true, "author": "A",
           "itemReviewed": {"author": "B"}},
          {"@type": "NotAClaimReview", "url": "https://x.example/2", "claimReviewed": "no", "author": "A",
           "itemReviewed": {"author": "B"}},
          {"@type": "ClaimReview", "url": "https://x.example/3", "claimReviewed": "kept", "author": "A",
           "itemReviewed": {"author": "B"}}
        ]
        """)
    report = kb.build([f], fmt="claimreview")
    assert [w.split(": ", 2)[1:] for w in report.warnings] == [
        ["item 1 (https://x.example/1)", "missing claimReviewed; skipped"],
        ["item 2 (https://x.example/2)", "not a ClaimReview; skipped"]]
    assert [t for _u, t, *_ in reviews(kb)] == ["kept"]


def test_nan_is_a_located_syntax_error_and_duplicate_keys_are_warned(kb, write):
    f = _feed(write, '[\n  {"@type": "ClaimReview", "claimReviewed": NaN}\n]\n')
    with pytest.raises(InputError) as info:
        kb.build([f], fmt="claimreview")
    (p,) = info.value.problems
    assert (p.line, p.column, p.message) == (2, 45, "JSON syntax error: NaN is not JSON")
    g = write("dup.json", '{"@type": "ClaimReview", "url": "https://x.example/1", "claimReviewed": "first",\n'
                          ' "claimReviewed": "second", "author": "A", "itemReviewed": {"author": "B"}}\n')
    report = kb.build([g], fmt="claimreview")
    assert report.warnings == [f"{report.files[0].path}:2:2: key 'claimReviewed' is written twice in one "
                               "object; the last value is read"]
    assert [t for _u, t, *_ in reviews(kb)] == ["second"]


def test_a_feed_with_no_importable_review_fails_with_the_reason(kb, write, dump, tmp_path):
    f = write("nothing.json", '{"@context": "https://schema.org", "@type": "DataFeed", "dataFeedElement": []}')
    with pytest.raises(InputError) as info:
        kb.build([f], fmt="claimreview")
    assert any("no ClaimReview could be imported from this file: no schema:ClaimReview in it" in p.message
               for p in info.value.problems)
    g = write("skipped.json", '[{"@type": "ClaimReview", "url": "https://x.example/1", "author": "A"}]')
    with pytest.raises(InputError) as info:
        kb.build([g], fmt="claimreview")
    messages = [p.message for p in info.value.problems]
    assert any(m.endswith("1 ClaimReview(s) found, none importable (see the warnings)") for m in messages)
    assert any("missing claimReviewed" in m for m in messages)


def test_the_same_review_twice_in_one_file_is_skipped_with_a_warning(kb, write):
    one = '{"@type": "ClaimReview", "url": "https://x.example/1", "claimReviewed": "Same words", ' \
          '"author": "A", "itemReviewed": {"author": "B"}}'
    # the same content written otherwise (keys in another order, the author as an object)
    other = '{"itemReviewed": {"author": {"@type": "Organization", "name": "B"}}, "author": "A", ' \
            '"claimReviewed": "Same words", "url": "https://x.example/1", "@type": "ClaimReview"}'
    f = write("twice.json", f"[\n{one},\n{other}\n]\n")
    report = kb.build([f], fmt="claimreview")
    (w,) = report.warnings
    assert ":3:1: item 2 (https://x.example/1): the same review as item 1 (https://x.example/1) " \
           "(identical content); skipped" in w
    assert len(reviews(kb)) == 1


def _review(url: str, claim: str, rating: str, published: str, modified: str | None = None,
            claimant: str = "Some Minister") -> dict:
    out = {"@context": "https://schema.org", "@type": "ClaimReview", "url": url, "claimReviewed": claim,
           "author": {"@type": "Organization", "name": "Example Fact Check"}, "datePublished": published,
           "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": claimant},
                            "firstAppearance": {"@type": "VideoObject", "url": "https://tv.example/interview"}},
           "reviewRating": {"@type": "Rating", "alternateName": rating}}
    return out | ({"dateModified": modified} if modified else {})


def revisions(kb: KnowledgeBase) -> list[tuple[str, ...]]:
    """(newer rating, older rating) of every prov:wasRevisionOf link."""
    return rows(kb, """PREFIX prov: <http://www.w3.org/ns/prov#> SELECT ?new ?old WHERE {
        ?n prov:wasRevisionOf ?o . ?n ev:reviewRating ?new . ?o ev:reviewRating ?old }""")


def test_a_review_met_again_is_skipped_when_identical_and_kept_as_a_linked_version_when_not(kb, write):
    url = "https://fc.example.org/2020/11/interview"
    # one article, two reviews (two claims): both kept
    a = write("a.json", json.dumps({"@type": "DataFeed", "dataFeedElement": [{"@type": "DataFeedItem", "item": [
        _review(url, "We never shelled the town.", "False", "2020-11-02"),
        _review(url, "The bridge is intact.", "True", "2020-11-02")]}]}, indent=1))
    # another feed: the first review again, identical; the second corrected (dateModified later)
    b = write("b.json", json.dumps([_review(url, "We never shelled the town.", "False", "2020-11-02"),
                                    _review(url, "The bridge is intact.", "Mostly true", "2020-11-02",
                                            "2020-11-20")], indent=1))
    report = kb.build([a, b], fmt="claimreview")
    assert report.committed and kb.validate() == []
    same, version = (w.split(str(a.parent) + "/", 1)[-1] for w in report.warnings)
    assert same.startswith("b.json:2:2: item 1 (https://fc.example.org/2020/11/interview): the same review as ")
    assert same.endswith("a.json:10:13: item 1, review 1 (https://fc.example.org/2020/11/interview) "
                         "(identical content); skipped")
    assert "b.json:28:2: item 2 (https://fc.example.org/2020/11/interview): another version of the review " in version
    assert "a revision of factcheck-" in version and version.endswith("(prov:wasRevisionOf)")
    assert [(t, r) for _u, t, _c, _p, r in reviews(kb)] == [
        ("The bridge is intact.", "Mostly true"), ("The bridge is intact.", "True"),
        ("We never shelled the town.", "False")]
    assert revisions(kb) == [("Mostly true", "True")]
    # each version in its own file's graph; one appearance source, one claimant
    graphs = rows(kb, """SELECT ?r ?g WHERE { GRAPH ?g { ?fc a ev:FactCheck ; ev:reviewRating ?r } }""")
    assert [(r, g.rsplit("/", 1)[-1]) for r, g in graphs] == [("False", "a.json"), ("Mostly true", "b.json"),
                                                               ("True", "a.json")]
    assert len(rows(kb, "SELECT ?s WHERE { ?s a ev:Video }")) == 1
    assert rows(kb, "SELECT ?n WHERE { ?a a ev:Person ; rdfs:label ?n }") == [("Some Minister",)]
    # a later build: identical against what is stored is skipped; an older correction met later
    # is linked between the two stored versions (the newest stored one revises it)
    c = write("c.json", json.dumps([_review(url, "the bridge is  intact", "Half true", "2020-11-02", "2020-11-10"),
                                    _review(url, "The bridge is intact.", "True", "2020-11-02")], indent=1))
    report = kb.build([c], fmt="claimreview")
    version, same = report.warnings
    assert "(already in the knowledge base, from " in same and same.endswith("(identical content); skipped")
    assert "a revision of factcheck-" in version and ", superseded by factcheck-" in version
    assert revisions(kb) == [("Half true", "True"), ("Mostly true", "Half true"), ("Mostly true", "True")]
    assert len(reviews(kb)) == 4
    # the three built afresh together: one chain of versions by date
    report = kb.build([a, b, c], fmt="claimreview", fresh=True)
    assert [("identical content" in w, "another version" in w) for w in report.warnings] == [
        (True, False), (False, True), (False, True), (True, False)]
    assert revisions(kb) == [("Half true", "True"), ("Mostly true", "Half true")]
    assert len(reviews(kb)) == 4


def test_claimreview_fields_kept(kb, write):
    f = write("fields.json", json.dumps([{
        "@context": "https://schema.org", "@type": "ClaimReview", "url": "https://fc.example.za/masina",
        "name": "Did the mayor say it?", "headline": "Mayor's claim about the budget", "inLanguage": "en-ZA",
        "datePublished": "2021-03-01", "dateModified": "2021-03-04T10:00:00+02:00",
        "claimReviewed": "The budget doubled.", "author": {"@type": "Organization", "name": "Africa Check"},
        "reviewRating": {"@type": "Rating", "ratingValue": 2, "bestRating": "5", "worstRating": 1,
                         "alternateName": "Mostly false"},
        "itemReviewed": {"@type": "Claim", "name": "Radio interview", "author": {
            "@type": "Person", "name": ["Mzwandile Masina", "mayor of Ekurhuleni"], "jobTitle": "Mayor",
            "sameAs": ["https://en.wikipedia.org/wiki/Mzwandile_Masina", "wikidata:Q1"]}}},
        {"@type": "ClaimReview", "url": "https://fc.example.za/2", "claimReviewed": "Two.", "author": "FC",
         "inLanguage": {"@type": "Language", "name": "Portuguese", "alternateName": "pt-BR"},
         "itemReviewed": {"author": "B"}, "reviewRating": {"ratingValue": "Falso", "bestRating": "high"}}],
        indent=1))
    report = kb.build([f], fmt="claimreview")
    assert report.committed and kb.validate() == []
    assert [w.split(": ", 2)[-1] for w in report.warnings] == [
        "claimant 'Mzwandile Masina': sameAs 'wikidata:Q1' is not an http(s) URL; left out",
        "reviewRating.bestRating 'high' is not a number; left out"]
    assert rows(kb, f"""SELECT ?n ?alias ?job ?same WHERE {{ ?a a ev:Person ; rdfs:label ?n ;
        <{SKOS.altLabel}> ?alias ; schema:jobTitle ?job ; schema:sameAs ?same }}""") == [
        ("Mzwandile Masina", "mayor of Ekurhuleni", "Mayor", "https://en.wikipedia.org/wiki/Mzwandile_Masina")]
    got = json.loads(kb.query(Q + """SELECT ?title ?headline ?lang ?date ?mod ?words ?value ?best ?worst ?medium
        WHERE { ?fc a ev:FactCheck ; rdfs:label ?title ; schema:inLanguage ?lang ; ev:reviews ?c .
        OPTIONAL { ?fc schema:headline ?headline } OPTIONAL { ?fc dcterms:date ?date }
        OPTIONAL { ?fc schema:dateModified ?mod } OPTIONAL { ?fc ev:reviewRating ?words }
        OPTIONAL { ?fc schema:ratingValue ?value } OPTIONAL { ?fc schema:bestRating ?best }
        OPTIONAL { ?fc schema:worstRating ?worst } OPTIONAL { ?c schema:name ?medium } } ORDER BY ?title""",
        fmt="json"))["results"]["bindings"]
    first, second = ({k: (v["value"], v.get("datatype", "").rsplit("#", 1)[-1]) for k, v in b.items()} for b in got)
    assert first == {"title": ("Did the mayor say it?", ""), "headline": ("Mayor's claim about the budget", ""),
                     "lang": ("en-ZA", ""), "date": ("2021-03-01", "date"), "mod": ("2021-03-04", "date"),
                     "words": ("Mostly false", ""), "value": ("2", "decimal"), "best": ("5", "decimal"),
                     "worst": ("1", "decimal"), "medium": ("Radio interview", "")}
    assert second == {"title": ("Fact-check of: Two.", ""), "lang": ("pt-BR", ""), "words": ("Falso", "")}


def test_placeholder_claimants_stay_one_per_review(kb, write):
    f = write("placeholders.json", json.dumps([
        {"@type": "ClaimReview", "url": f"https://x.example/{i}", "claimReviewed": f"Claim {i}", "author": "FC",
         "itemReviewed": {"author": {"@type": "Person", "name": name}}}
        for i, name in enumerate(["Varias fuentes", "social  media", "Social Media", "Ilham Aliyev"])]))
    kb.build([f], fmt="claimreview")
    claimants = [c for _u, _t, c, _p, _r in reviews(kb)]
    assert len(set(claimants)) == 4 and "Ilham Aliyev" in claimants
    assert sum(c.startswith("Unidentified claimant (") for c in claimants) == 3


def test_relative_urls_resolve_against_the_reviews_own_url_or_the_item_is_skipped(kb, write):
    def review(url: str, claim: str, appearance: str | None = None) -> dict:
        return {"@type": "ClaimReview", "url": url, "claimReviewed": claim, "author": "FC",
                "itemReviewed": {"author": "B", **({"firstAppearance": {"url": appearance}} if appearance else {})}}

    f = write("relative.json", json.dumps([
        review("https://fc.example.org/2020/11/r1", "One", "/videos/v1"),  # from the root
        review("/2020/r2", "Two"),
        review("https://fc.example.org/2020/11/r3", "Three", "v3?t=1"),  # from the review's folder
        review("https://fc.example.org/2020/11/r4", "Four", "../../clips/v4"),
        review("fc.example.org/2020/r5", "Five"),  # scheme-less: relative, quoted as written
        review("//fc.example.org/2020/r6", "Six", "#at-1m")], indent=1))
    report = kb.build([f], fmt="claimreview")
    assert [w.split(": ", 2)[1:] for w in report.warnings] == [
        ["item 2 (/2020/r2)", "relative url '/2020/r2' and no absolute url of the review to resolve it against; "
                              "skipped"],
        ["item 5 (fc.example.org/2020/r5)", "relative url 'fc.example.org/2020/r5' and no absolute url of the "
                                            "review to resolve it against; skipped"]]
    assert rows(kb, "SELECT ?u WHERE { ?c ev:statedIn/schema:url ?u }") == [
        ("https://fc.example.org/2020/11/v3?t=1",), ("https://fc.example.org/2020/r6#at-1m",),
        ("https://fc.example.org/clips/v4",), ("https://fc.example.org/videos/v1",)]


def test_appearances_left_out_are_reported(kb, write):
    f = write("appearances.json", json.dumps([
        {"@type": "ClaimReview", "url": "https://fc.example.org/2020/11/r1", "claimReviewed": "One", "author": "FC",
         "itemReviewed": {"author": "B", "firstAppearance": {"url": "https://tv.example/1"},
                          "appearance": [{"url": "https://tv.example/1"}, "https://radio.example/2",
                                         {"@type": "CreativeWork", "url": "../3"}]}},
        {"@type": "ClaimReview", "@id": "_:r2", "claimReviewed": "Two", "author": "FC",
         "itemReviewed": {"author": "B", "appearance": {"url": "/v/2", "name": "An interview"}}}], indent=1))
    report = kb.build([f], fmt="claimreview")
    assert [w.split(": ", 2)[1:] for w in report.warnings] == [
        ["item 1 (https://fc.example.org/2020/11/r1)", "itemReviewed appearance: 2 more appearance(s) not kept "
         "(a claim is stated in one source; the first is): 'https://radio.example/2', '../3'"],
        ["item 2", "itemReviewed appearance: relative url '/v/2' and no absolute url of the review to resolve it "
                   "against; left out"]]
    assert rows(kb, "SELECT ?u ?t WHERE { ?c ev:statedIn ?s . OPTIONAL { ?s schema:url ?u } ?s rdfs:label ?t }") \
        == [("", "An interview"), ("https://tv.example/1", "https://tv.example/1")]


def test_a_bad_row_is_skipped_with_a_located_warning_and_strict_refuses_the_file(kb, write, dump):
    f = write("rows.csv", "event_id_cnty,event_date,event_type,actor1,country,admin1,location,latitude,longitude,source\n"
                          "A1,2020-10-01,Battles,Side A,Land,North,Town,40.1,46.1,Paper\n"
                          "A2,2020-10-02,Battles,Side A,Land,North,Town,north,46.1,Paper\n"
                          "A3,2020-10-03,Battles,Side A,Land,North,Town,40.1,46.1,Paper\n")
    with pytest.raises(InputError) as info:
        kb.build([f], strict=True)
    assert [(p.line, p.column, p.field) for p in info.value.problems] == [(3, 8, "latitude")]
    assert dump(kb.path) == b"" or not kb.path.exists()
    report = kb.build([f])
    assert [w.split(str(f.parent), 1)[-1] for w in report.warnings] == [
        "/rows.csv:3:8: latitude: not a number: 'north'; row 3 (event A2) skipped"]
    assert rows(kb, "SELECT ?e WHERE { ?x a ev:Event ; dcterms:identifier ?e }") == [("acled-a1",), ("acled-a3",)]
    # the actor and the place the skipped row shared with the others stay, once
    assert len(rows(kb, "SELECT ?a WHERE { ?a a ev:Actor }")) == 2  # Side A and the outlet Paper
    assert rows(kb, "SELECT ?n WHERE { ?e ev:firstActor/rdfs:label ?n }") == [("Side A",), ("Side A",)]


def test_a_row_the_shapes_refuse_is_skipped_with_a_located_warning_and_strict_refuses_the_file(kb, write, dump):
    # a latitude of 95.5 is a number (the record check passes it); the SHACL shapes refuse it
    f = write("lat.csv", HDX_HEADER
              + "A1,2020-10-01,Battles,Land,North,,Town,40.1,46.1,Paper\n"
                "A2,2020-10-02,Battles,Land,North,,Village,95.5,46.1,Paper\n"
                "A3,2020-10-03,Battles,Land,North,,Town,40.1,46.1,Paper\n")
    with pytest.raises(InputError) as info:
        kb.build([f], strict=True)
    assert {(p.line, p.column, p.field) for p in info.value.problems} == {(4, 8, "latitude")}
    assert dump(kb.path) == b"" or not kb.path.exists()
    report = kb.build([f])
    assert report.committed and kb.validate() == []
    assert {w.split(str(f.parent) + "/", 1)[-1] for w in report.warnings} == {
        "lat.csv:4:8: latitude: latitude is a number from -90 to 90 (value: 95.5); row 4 (event A2) skipped"}
    assert rows(kb, "SELECT ?e WHERE { ?x a ev:Event ; dcterms:identifier ?e }") == [("acled-a1",), ("acled-a3",)]
    assert rows(kb, "SELECT ?n WHERE { ?x a ev:Place ; rdfs:label ?n }") == [("Land",), ("North",), ("Town",)]
    # a file whose only row the shapes refuse stores nothing and fails, saying why
    only = write("only.csv", HDX_HEADER + "B2,2020-10-02,Battles,Land,North,,Village,95.5,46.1,Paper\n")
    with pytest.raises(InputError) as info:
        kb.build([only])
    assert any("nothing could be imported from this file" in p.message for p in info.value.problems)
    assert rows(kb, "SELECT ?e WHERE { ?x a ev:Event ; dcterms:identifier ?e }") == [("acled-a1",), ("acled-a3",)]


def test_acled_event_types_roles_fatalities_coordinates_and_coded_admin_chain(kb):
    kb.build([ACLED / "hdx-afg.csv"])
    got = rows(kb, """SELECT ?type ?sub ?f ?lat ?prec ?scale ?ts WHERE {
        ?e dcterms:identifier "acled-afg48001" ; ev:eventType ?type ; ev:subEventType ?sub ;
           ev:fatalities ?f ; schema:latitude ?lat ; ev:geoPrecision ?prec ; ev:sourceScale ?scale ;
           ev:datasetTimestamp ?ts }""")
    assert got == [(str(EV["acled-battles"]), str(EV["acled-battles--armed-clash"]), "3", "36.4137", "2",
                    "National", "1628553600")]
    # the concepts are the ontology's, the sub-type narrower than its type
    assert (URIRef(got[0][1]), SKOS.broader, URIRef(got[0][0])) in ontology()
    datatype = json.loads(kb.query(Q + 'SELECT ?f WHERE { ?e dcterms:identifier "acled-afg48001" ; ev:fatalities ?f }',
                                   fmt="json"))["results"]["bindings"][0]["f"]["datatype"]
    assert datatype == "http://www.w3.org/2001/XMLSchema#integer"
    roles = rows(kb, """SELECT ?role ?n WHERE { ?e dcterms:identifier "acled-afg48002" ; ?role ?a .
        ?a rdfs:label ?n FILTER(?role IN (ev:firstActor, ev:secondActor, ev:associateOfSecond, ev:involves)) }""")
    assert [(r.rsplit("#", 1)[-1], n) for r, n in roles] == [
        ("associateOfSecond", "Police Forces of Afghanistan (2014-2021)"),
        ("firstActor", "Taliban"), ("involves", "Military Forces of Afghanistan (2014-2021)"),
        ("involves", "Police Forces of Afghanistan (2014-2021)"), ("involves", "Taliban"),
        ("secondActor", "Military Forces of Afghanistan (2014-2021)")]
    chain = rows(kb, """SELECT ?p ?up ?code WHERE { GRAPH ?g { ?x dcterms:identifier ?p ; ev:codedWithin ?u ;
        ev:codedBy/a ev:DatasetRecord . ?u dcterms:identifier ?up } OPTIONAL { ?u ev:countryCode ?code } }""")
    assert chain == [
        ("place-balkh--afghanistan", "place-afghanistan", ""),
        ("place-dawlat-abad--balkh--afghanistan", "place-balkh--afghanistan", ""),
        ("place-dawlat-abad--dawlat-abad--balkh--afghanistan", "place-dawlat-abad--balkh--afghanistan", ""),
        ("place-dawlat-abad--dawlat-abad--faryab--afghanistan", "place-dawlat-abad--faryab--afghanistan", ""),
        ("place-dawlat-abad--faryab--afghanistan", "place-faryab--afghanistan", ""),
        ("place-faryab--afghanistan", "place-afghanistan", "")]
    assert rows(kb, "SELECT ?p WHERE { ?p ev:partOf ?q }") == []  # a dataset's coding, not a fact


def test_a_bad_claimreview_item_is_skipped_and_strict_refuses_the_feed(kb, write):
    f = write("feed.json", json.dumps([
        {"@type": "ClaimReview", "url": "https://fc.example.org/a", "claimReviewed": "x", "author": "A",
         "itemReviewed": {"author": "B"}, "datePublished": "2020-13-01"},
        {"@type": "ClaimReview", "url": "https://fc.example.org/b", "claimReviewed": "y", "author": "A",
         "itemReviewed": {"author": "B"}, "datePublished": "2020-12-01"}], indent=1))
    with pytest.raises(InputError) as info:
        kb.build([f], fmt="claimreview", strict=True)
    assert [p.field for p in info.value.problems] == ["datePublished"]
    report = kb.build([f], fmt="claimreview")
    (warning,) = report.warnings
    assert warning.endswith("datePublished: impossible date 2020-13-01: month must be in 1..12; "
                            "item 1 (https://fc.example.org/a) skipped")
    assert rows(kb, "SELECT ?u WHERE { ?s a ev:FactCheck ; schema:url ?u }") == [("https://fc.example.org/b",)]


def test_a_corrected_review_is_cited_in_both_versions_the_earlier_saying_what_supersedes_it(kb, write):
    kb.build()  # the seed: Aliyev denies using cluster munitions
    review = {"@context": "https://schema.org", "@type": "ClaimReview",
              "url": "https://factcheck.example.org/2020/cluster-munitions",
              "claimReviewed": "We are NOT using them (cluster munition) - these are another fake news",
              "author": {"@type": "Organization", "name": "Example Fact Check"}, "datePublished": "2020-11-02",
              "reviewRating": {"@type": "Rating", "alternateName": "Unproven"},
              "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "Ilham Aliyev"}}}
    corrected = {**review, "dateModified": "2020-11-30", "reviewRating": {"alternateName": "False"}}
    kb.build([write("first.json", json.dumps(review)), write("later.json", json.dumps(corrected))],
             fmt="claimreview")
    (cited,) = [c for c in kb.conflicts() if c.fact_checks]
    first, later = sorted(cited.fact_checks, key=lambda f: f.rating != "Unproven")
    assert (first.rating, later.rating) == ("Unproven", "False")
    assert first.superseded_by == later.source and later.superseded_by is None
    assert f"rated it 'Unproven' (an earlier version: superseded by {later.source})" in first.line()
