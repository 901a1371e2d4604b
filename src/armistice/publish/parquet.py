"""Parquet resources: each table written as a typed Parquet file beside its CSV, the same bytes every build.

CSV carries no types, so every reader guesses them (pandas reads ``number`` as an integer, a column
of ``1951-08`` dates as text in one release and as dates in the next). Each resource is therefore
also published as Parquet, typed exactly as its Table Schema says (:meth:`Table.parquet_schema
<armistice.publish.tables.Table.parquet_schema>`): strings stay strings, a partial date stays text
beside its ``_min`` and ``_max`` dates (``date32``), a JSON array column is a ``list<string>``, an
integer a nullable ``int64``. A table without rows (``tombstones``) still carries its schema.

The bytes depend only on the rows: rows are cut into row groups of :data:`ROW_GROUP` rows whatever
the batches they arrive in, the writer's options are fixed (:data:`WRITER_OPTIONS`), pyarrow is
pinned exactly in ``requirements.lock`` (its version is the file's ``created_by``), and the only
metadata is the schema with its descriptions: no timestamp, no path, no host.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from armistice.publish.tables import Table

ROW_GROUP = 4096
"""Rows per row group: a fixed count, so the file does not depend on how the build batched the rows,
and a bounded buffer (4,096 documents with their texts are a few tens of MB)."""

WRITER_OPTIONS: dict[str, Any] = {
    "version": "2.6",
    "compression": "zstd",
    "compression_level": 9,
    "use_dictionary": True,
    "write_statistics": True,
    "data_page_version": "1.0",
    "store_schema": True,
    "write_page_index": False,
}
"""pyarrow's writer options, every one that changes the bytes stated rather than left to its defaults."""


def folder(out: Path) -> Path:
    """Where a package's Parquet files are, under its ``data/`` folder."""
    return out / "data" / "parquet"


def path_of(name: str) -> str:
    """A resource's Parquet file, relative to the package (the path the descriptor gives)."""
    return f"data/parquet/{name}.parquet"


def arrow_table(table: Table, rows: list[tuple[Any, ...]]) -> Any:
    """Rows (tuples in the order of the table's fields, as :func:`~armistice.publish.tables.published_rows`
    gives them) as an Arrow table of its Parquet schema; JSON array cells become lists, dates are parsed."""
    import pyarrow as pa

    schema = table.parquet_schema()
    arrays = []
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in table.fields]
    for index, column in enumerate(table.fields):
        values: Any = columns[index]
        kind = column.schema["type"]
        if kind == "array":  # every cell's JSON read at once: one list of the cells' lists
            values = json.loads("[" + ",".join("null" if value is None else value for value in values) + "]")
        if kind == "date":
            arrays.append(pa.array(values, pa.string()).cast(pa.date32()))
        else:
            arrays.append(pa.array(values, schema.field(index).type))
    return pa.Table.from_arrays(arrays, schema=schema)


class TableWriter:
    """One resource's Parquet file being written, rows appended in published order."""

    def __init__(self, table: Table, path: Path):
        import pyarrow.parquet as pq

        self.table = table
        self.pending: list[tuple[Any, ...]] = []
        self.writer = pq.ParquetWriter(path, table.parquet_schema(), **WRITER_OPTIONS)

    def add(self, rows: list[tuple[Any, ...]]) -> None:
        """Append rows; every full row group is written at once."""
        self.pending.extend(rows)
        while len(self.pending) >= ROW_GROUP:
            self.writer.write_table(arrow_table(self.table, self.pending[:ROW_GROUP]))
            del self.pending[:ROW_GROUP]

    def close(self) -> None:
        """Write the last (short) row group and the footer."""
        if self.pending:
            self.writer.write_table(arrow_table(self.table, self.pending))
            self.pending = []
        self.writer.close()


def read(path: Path) -> Any:
    """A published Parquet file as an Arrow table (for checks and tests)."""
    import pyarrow.parquet as pq

    return pq.read_table(path)
