"""One-row statements run on the database driver itself, for the hottest request path.

At the morning rush the gate scanners post hundreds of scans a second, and each
scan runs four short statements. For such a statement SQLAlchemy's execution
machinery (execution context, result metadata, row objects) costs as much CPU
as the driver's own work. A `DriverStatement` lets SQLAlchemy compile the
statement once per database (the same SQL text and the same type conversions,
custom types included), then executes it on the DBAPI connection of the
session's current transaction: it commits and rolls back with the session, and
driver errors come back as SQLAlchemy's own exceptions.
"""

from sqlalchemy.exc import DBAPIError


class DriverStatement:
    __slots__ = ("sql", "order", "defaults", "bind_processors", "result_processors", "error")

    def __init__(self, statement, dialect):
        compiled = statement.compile(dialect=dialect)
        if "POSTCOMPILE" in compiled.string or compiled.escaped_bind_names:
            raise ValueError("a driver statement takes plain bind parameters only")
        self.sql = compiled.string
        self.order = tuple(compiled.positiontup) if compiled.positional else None
        binds = compiled.binds
        self.defaults = {name: bind.value for name, bind in binds.items() if not bind.required}
        self.bind_processors = tuple(
            (name, processor)
            for name, bind in binds.items()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        )
        self.result_processors = tuple(
            (index, processor)
            for index, column in enumerate(getattr(statement, "selected_columns", ()))
            if (processor := column.type.dialect_impl(dialect).result_processor(dialect, None))
            is not None
        )
        self.error = dialect.loaded_dbapi.Error

    def first(self, connection, params):
        """The first row (a tuple, converted as SQLAlchemy would) or None; the statement
        must return rows (a SELECT, or a write with RETURNING).

        `connection` is the SQLAlchemy connection whose transaction the statement joins.
        """
        values = {**self.defaults, **params}
        for name, process in self.bind_processors:
            values[name] = process(values[name])
        args = tuple(values[name] for name in self.order) if self.order is not None else values
        cursor = connection.connection.cursor()
        try:
            cursor.execute(self.sql, args)
            row = cursor.fetchone()
        except self.error as error:
            raise DBAPIError.instance(self.sql, args, error, self.error) from error
        finally:
            cursor.close()
        if row is None or not self.result_processors:
            return row
        row = list(row)
        for index, process in self.result_processors:
            row[index] = process(row[index])
        return tuple(row)
