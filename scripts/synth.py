"""Write a records root of N synthetic documents, for benchmarks.

    python scripts/synth.py --count 10000 --out /tmp/synth-10k

The records are shaped like the curated ones: ciphered telegrams and cables of a few kilobytes with
headers, distribution, stamps, registration numbers, handling notes, two or three quoted messages
(their texts verbatim inside the document's text, as the validator requires), archival references
quoted from the citation, and people, places, topics and events drawn from a registry that grows
with N. Every person and place linked is named in the text, so the records validate with no error:
a benchmark then measures the full path, not an early exit. Each document has its page, in the archive's
older layout, kept beside the records root as a real one is (``DIR/../sources/<DIR's name>-<n>.txt``), so
the comparison with the page runs too. The same --count and --seed always give the same bytes. The output
folder must not be inside records/ (it would be published).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import sys
from pathlib import Path

import yaml

SCHEMA = "# yaml-language-server: $schema=../../schema/{kind}.schema.json\n"

SYLLABLES = ["li", "wang", "zhang", "chen", "liu", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun", "ma",
             "zhu", "hu", "guo", "he", "lin", "gao", "luo", "kim", "park", "choi", "jung", "kang", "cho", "yoon",
             "jang", "han", "shin", "pet", "rov", "iva", "nov", "sok", "olov", "kuz", "net", "sov", "mikh"]
WORDS = ["the", "delegation", "conference", "agenda", "proposal", "enemy", "representatives", "meeting", "neutral", "zone", "armistice", "ceasefire", "demarcation", "line", "troops", "withdrawal", "prisoners", "observers", "commission", "negotiations", "report", "telegram", "question", "position", "statement", "military", "political", "issue", "front", "principle", "agreement", "side", "discussion", "situation", "incident", "aircraft", "violation", "investigation", "liaison", "officers", "reply", "protest", "measures", "instructions", "draft", "text", "point"]

def _vocabulary(size: int = 4000) -> tuple[list[str], list[float]]:
    """The common words first, then invented ones; Zipf weights (the k-th word is 1/k as frequent)."""
    rng = random.Random(38)
    words = list(WORDS)
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    cumulative, total = [], 0.0
    for rank in range(1, size + 1):
        total += 1 / rank
        cumulative.append(total)
    return words, cumulative


VOCABULARY, _CUMULATIVE = _vocabulary()
KINDS = ["ciphered-telegram", "cable"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
REPOSITORIES = [("APRF", "Archive of the President of the Russian Federation (APRF), fond 45, opis 1, delo {d}, "
                 "listy {a}-{b}", {"fond": "45", "opis": "1"}),
                ("TsAMO", "Archives of the Russian Ministry of Defense (TsAMO)", {}),
                ("RGASPI", "Russian State Archive of Social and Political History (RGASPI), fond 558, opis 11, "
                 "delo {d}, listy {a}-{b}", {"fond": "558", "opis": "11"})]


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Block style for multi-line text, like the curated records."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _dump(kind: str, record: dict, path: Path) -> None:
    body = yaml.dump(record, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000)
    path.write_text(SCHEMA.format(kind=kind) + body, encoding="utf-8")


def _name(rng: random.Random) -> str:
    return " ".join(w.capitalize() for w in (rng.choice(SYLLABLES) + rng.choice(SYLLABLES),
                                               rng.choice(SYLLABLES) + rng.choice(SYLLABLES)))


def registry(rng: random.Random, count: int) -> tuple[list[dict], list[dict], list[dict]]:
    """People, places and topics: more of each as the archive grows, as in a real one."""
    people: dict[str, dict] = {}
    while len(people) < max(30, count // 50):
        name = _name(rng)
        slug = name.lower().replace(" ", "-")
        if slug not in people:
            people[slug] = {"id": slug, "name": name, "spellings": [name], "identification": "certain",
                            "identified_by": [{"basis": "curators", "reason": "A synthetic person, for benchmarks."}],
                            "side": rng.choice(["prc", "ussr", "dprk"]),
                            "side_basis": [{"basis": "curators", "reason": "Drawn at random, for benchmarks."}],
                            "note": f"A synthetic person named in the synthetic telegrams ({name})."}
    places: dict[str, dict] = {}
    while len(places) < max(15, count // 200):
        name = _name(rng).split()[0] + rng.choice(["ong", "an", "ju", "do"])
        slug = name.lower()
        if slug not in places and slug not in people:
            places[slug] = {"id": slug, "name": name, "spellings": [name], "kind": "city", "identification": "certain",
                            "identified_by": [{"basis": "curators", "reason": "A synthetic place, for benchmarks."}],
                            "latitude": round(rng.uniform(33, 43), 4), "longitude": round(rng.uniform(120, 131), 4)}
    topics = [{"id": f"topic-{i:03d}", "name": f"Topic {i}", "description": f"A synthetic topic ({' '.join(rng.sample(WORDS, 4))})."}
              for i in range(max(15, count // 500))]
    return list(people.values()), list(places.values()), topics


def _sentence(rng: random.Random, names: list[str]) -> str:
    words = rng.choices(VOCABULARY, cum_weights=_CUMULATIVE, k=rng.randint(8, 16))
    if names and rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), rng.choice(names))
    return " ".join(words).capitalize() + "."


def _paragraphs(rng: random.Random, names: list[str], count: int) -> str:
    return "\n\n".join(" ".join(_sentence(rng, names) for _ in range(rng.randint(3, 7))) for _ in range(count))


def document(rng: random.Random, index: int, people: list[dict], places: list[dict], topics: list[dict],
             events: list[dict]) -> dict:
    day = rng.randint(1, 28)
    month = rng.randint(7, 12)
    date = f"1951-{month:02d}-{day:02d}"
    kind = rng.choice(KINDS)
    number = str(20000 + index)
    sender, recipient, relay = rng.sample(people, 3)
    mentioned = rng.sample(people, rng.randint(2, 5))
    mentioned = [p for p in mentioned if p["id"] not in (sender["id"], recipient["id"], relay["id"])]
    where = rng.sample(places, rng.randint(1, 3))
    origin = where[0]
    names = [p["name"] for p in mentioned] + [p["name"] for p in where]
    written_day = f"{day} {MONTHS[month - 1]} 1951"
    received = f"{rng.randint(10, 23):02d}{rng.randint(0, 59):02d}"
    deciphered = f"{int(received[:2]) + 0:02d}{59:02d}"
    messages, quoted = [], []
    for m in range(rng.randint(2, 3)):
        when = f"1951-{month:02d}-{max(1, day - 1):02d}"
        signoff = f"{relay['name']}. {max(1, day - 1)} {MONTHS[month - 1]}"
        body = f"To Cde. {sender['name']}.\n\n" + _paragraphs(rng, names, rng.randint(3, 6)) + f"\n\n{signoff}"
        quoted.append(body)
        messages.append({"id": f"m{m + 1}", "sender": relay["id"], "recipients": [sender["id"]],
                         "addressed_as": f"To Cde. {sender['name']}.",
                         "sent": {"at": when, "as_written": signoff}, "text": body + "\n"})
    repository, as_written, parts = rng.choice(REPOSITORIES)
    first = rng.randint(1, 200)
    reference = {"repository": repository, **parts}
    written = as_written.format(d=rng.randint(1, 400), a=first, b=first + rng.randint(1, 5))
    if "delo" in written:
        reference |= {"delo": written.split("delo ")[1].split(",")[0], "listy": written.split("listy ")[1]}
    reference["as_written"] = written
    record_id = 200000 + index
    title = f"{'Ciphered Telegram' if kind == 'ciphered-telegram' else 'Cable'}, {sender['name']} to {recipient['name']}"
    header = (f"SECOND MAIN DIRECTORATE OF THE GENERAL STAFF OF THE SOVIET ARMY\n\n"
              f"{kind.replace('-', ' ').upper()} N° {number}\n\n"
              f"Copy N° 1 to Cde. {recipient['name']}\n\n"
              f"from [{origin['name'].upper()}] received {received} {written_day}\n\n"
              f"[Stamp: SUBJECT TO RETURN\n\nto the IV Unit OS VKP(b) CC\n\nIncoming N° {index}/shs {written_day}]\n\n"
              f"to Cde. {recipient['name'].upper()}\n\n"
              f"Cde. {recipient['name']}!\n\n")
    opening = _paragraphs(rng, names, 1)
    closing = _paragraphs(rng, names, rng.randint(1, 3)) + "\n\nThe report names " + ", ".join(names) + "."
    text = (header + opening + "\n\n" + "\n\n".join(f'"{q}"' for q in quoted) + "\n\n" + closing +
            f"\n\n{sender['name'].upper()}\n\n---\n\nDeciphered by {relay['name']} {deciphered} {written_day}\n")
    doc = {
        "id": f"{date}-{kind}-{number}",
        "title": title,
        "date": date,
        "kind": kind,
        "number": number,
        "issuer": "SECOND MAIN DIRECTORATE OF THE GENERAL STAFF OF THE SOVIET ARMY",
        "sender": sender["id"],
        "signature": sender["name"].upper(),
        "recipients": [recipient["id"]],
        "salutation": f"Cde. {recipient['name']}!",
        "origin": {"place": origin["id"], "as_written": f"from [{origin['name'].upper()}]", "basis": "archive"},
        "editorial_insertions": [{"as_written": f"[{origin['name'].upper()}]", "kind": "identification"}],
        "received": {"at": f"{date}T{received[:2]}:{received[2:]}", "as_written": f"received {received} {written_day}"},
        "distribution": [{"person": recipient["id"], "copy_number": "1"}],
        "stamps": [{"as_written": f"SUBJECT TO RETURN\n\nto the IV Unit OS VKP(b) CC\n\nIncoming N° {index}/shs {written_day}\n",
                    "instruction": "SUBJECT TO RETURN", "unit": "IV Unit OS VKP(b) CC",
                    "numbers": [{"number": f"{index}/shs", "label": "Incoming N°"}], "date": date}],
        "handling": [{"action": "deciphered", "by": relay["id"], "at": f"{date}T{deciphered[:2]}:{deciphered[2:]}",
                      "as_written": f"Deciphered by {relay['name']} {deciphered} {written_day}"}],
        "messages": messages,
        "archival_references": [reference],
        "source": {
            "archive": "Wilson Center Digital Archive",
            "record_id": record_id,
            "url": f"https://digitalarchive.wilsoncenter.org/document/{record_id}",
            "retrieved_from": f"https://digitalarchive.wilsoncenter.org/document/{record_id}",
            "citation": f'"{title}," {MONTHS[month - 1]} {day}, 1951, History and Public Policy Program Digital '
                        f"Archive, {written}.",
            "summary": f"{sender['name']} forwards to {recipient['name']} telegrams on "
                       + ", ".join(rng.sample(WORDS, 3)) + ".",
            "original_language": "ru",
            "translation_language": "en",
        },
        "mentioned_people": [p["id"] for p in mentioned],
        "mentioned_places": [p["id"] for p in where],
        "topics": [t["id"] for t in rng.sample(topics, rng.randint(1, 4))],
        "text": text,
    }
    usable = [e for e in events if e["date"] <= date]
    if usable and rng.random() < 0.3:
        doc["events"] = [rng.choice(usable)["id"]]
    return doc


def _page(doc: dict) -> str:
    """The document's page as the archive's older layout gives it: heading, labelled fields, then the text."""
    year, month, day = (int(part) for part in doc["date"].split("-"))
    source = doc["source"]
    return (f"\n\n**{MONTHS[month - 1]} {day}, {year}**  \n**{doc['title']}**\n\n**Citation:**\n\n"
            f"{source['citation']} <{source['retrieved_from']}>\n\n**Summary:**\n\n{source['summary']}\n\n"
            f"**Original Language:**\n\nRussian\n\n**Contents:**\n\nTranslation - English\n\n{doc['text']}")


def write(count: int, out: Path, seed: int = 1951) -> None:
    rng = random.Random(seed)
    people, places, topics = registry(rng, count)
    events = [{"id": f"1951-07-{day:02d}-synthetic-event-{i}", "title": f"Synthetic event {i}",
               "date": f"1951-07-{day:02d}", "date_basis": "stated", "description": "A synthetic event for benchmarks.",
               "places": [rng.choice(places)["id"]]}
              for i, day in enumerate(rng.randint(1, 28) for _ in range(max(7, count // 1000)))]
    documents = [document(rng, index, people, places, topics, events) for index in range(count)]
    # Every registry entry is named somewhere, as the grounding rule requires.
    named = {n for d in documents for n in d["mentioned_people"] + [d["sender"], d["recipients"][0]]
             + [m["sender"] for m in d["messages"]]}
    people = [p for p in people if p["id"] in named]
    used_places = {p for d in documents for p in d["mentioned_places"]}
    places = [p for p in places if p["id"] in used_places]
    events = [e for e in events if e["places"][0] in used_places]
    for doc in documents:
        if doc.get("events"):
            doc["events"] = [e for e in doc["events"] if any(x["id"] == e for x in events)]
        if "events" in doc and not doc["events"]:
            del doc["events"]
    if out.exists():
        shutil.rmtree(out)
    sources = out.parent / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    for index, doc in enumerate(documents):
        name = f"{out.name}-{index:06d}.txt"
        page = _page(doc).encode("utf-8")
        (sources / name).write_bytes(page)
        doc["source"]["transcription"] = {"file": f"sources/{name}", "sha256": hashlib.sha256(page).hexdigest(),
                                          "text_starts_after": "Translation - English"}
        doc["source"]["not_on_page"] = ["credits", "uploaded", "obtained_by", "translated_by"]
    for kind, folder, records in (("person", "people", people), ("place", "places", places),
                                  ("topic", "topics", topics), ("event", "events", events),
                                  ("document", "documents", documents)):
        (out / folder).mkdir(parents=True)
        for record in records:
            _dump(kind, record, out / folder / f"{record['id']}.yaml")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write N synthetic document records (and their registry) to DIR.")
    parser.add_argument("--count", type=int, required=True, help="number of documents")
    parser.add_argument("--out", type=Path, required=True, help="records root to write (replaced if it exists)")
    parser.add_argument("--seed", type=int, default=1951, help="random seed (default 1951)")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    here = Path(__file__).resolve().parent.parent / "records"
    if args.out.resolve().is_relative_to(here):
        parser.error(f"--out must not be inside {here}: synthetic records would be published")
    write(args.count, args.out, args.seed)
    print(f"wrote {args.count} documents to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
