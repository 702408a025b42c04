"""Geography: projections, areas (boroughs, wards, LSOAs, districts) and grids."""
