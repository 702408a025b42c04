"""``patrolgate areas ...``: importing and listing boundaries."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from patrolgate.cli.context import OutputFormat, console, open_database, print_json, settings_of
from patrolgate.errors import InvalidInput
from patrolgate.geo.areas import AreaLevel, areas_from_geojson
from patrolgate.geo.projection import Projection
from patrolgate.store.area_repository import crs_for_areas, save_areas
from patrolgate.store.event_queries import stored_study_crs
from patrolgate.store.tables import AreaRow

areas_app = typer.Typer(
    help="Boundaries of boroughs, wards, LSOAs and districts.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add the ``areas`` group."""
    app.add_typer(areas_app, name="areas")


@areas_app.command("import")
def import_areas(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="GeoJSON FeatureCollection (WGS84), plain or .gz.")],
    level: Annotated[AreaLevel, typer.Option("--level", help="borough, ward, lsoa or district")],
    code_field: Annotated[str, typer.Option("--code-field", help="Property holding the code.")],
    name_field: Annotated[str, typer.Option("--name-field", help="Property holding the name.")],
    parent_field: Annotated[
        str | None, typer.Option("--parent-field", help="Property holding the parent's code.")
    ] = None,
    crs: Annotated[
        str | None,
        typer.Option("--crs", help="Projected CRS (default: British National Grid or UTM)."),
    ] = None,
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
) -> None:
    """Import boundaries; re-importing replaces areas of the same code."""
    settings = settings_of(ctx)
    areas = areas_from_geojson(
        path, level=level, code_field=code_field, name_field=name_field, parent_field=parent_field
    )
    with open_database(settings) as database:
        existing = stored_study_crs(database)
        chosen = crs or existing or crs_for_areas(areas)
        if existing is not None and chosen != existing:
            raise InvalidInput(
                f"--crs {chosen}: the areas already stored use {existing}; one study, one CRS"
            )
        try:
            Projection(chosen)
        except Exception as error:  # pyproj raises its own error types for bad CRS strings
            raise InvalidInput(f"--crs {chosen}: {error}") from error
        with database.transaction() as session:
            count = save_areas(session, areas, chosen)
    if output is OutputFormat.JSON:
        print_json({"level": level.value, "areas": count, "crs": chosen, "file": str(path)})
    else:
        console.print(
            f"{count} {level.value} areas imported from {path} ({chosen})", highlight=False
        )


@areas_app.command("list")
def list_areas(
    ctx: typer.Context,
    level: Annotated[AreaLevel | None, typer.Option("--level")] = None,
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
) -> None:
    """List stored areas."""
    from sqlalchemy import select

    settings = settings_of(ctx)
    with open_database(settings) as database, database.sessions() as session:
        query = select(AreaRow.code, AreaRow.level, AreaRow.name, AreaRow.area_m2).order_by(
            AreaRow.level, AreaRow.code
        )
        if level is not None:
            query = query.where(AreaRow.level == level.value)
        rows = session.execute(query).all()
    if output is OutputFormat.JSON:
        print_json(
            [
                {"code": c, "level": lv, "name": n, "area_km2": round(a / 1e6, 3)}
                for c, lv, n, a in rows
            ]
        )
        return
    table = Table("code", "level", "name", "km²")
    for code, lv, name, area in rows:
        table.add_row(code, lv, name, f"{area / 1e6:.2f}")
    console.print(table)
